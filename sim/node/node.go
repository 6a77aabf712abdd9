package node

import (
	"errors"
	"fmt"
	"time"
)

// ID names a node. IDs are dense small integers assigned by the runtime in
// the order nodes are added; a node keeps its ID across crashes and restarts.
type ID int

// None is the ID of no node, for fields such as "the leader I know of".
const None ID = -1

// TimerID names one timer set by SetTimer within one incarnation of a node.
type TimerID uint64

// Handler is a node's logic. Handle is called for one event at a time, never
// concurrently, and must return promptly: it may not block.
type Handler interface {
	Handle(env Env, ev Event)
}

// Discarder is a Handler that holds something the garbage collector cannot
// take back by itself (a guest program's instance and the goroutine running
// it): the runtime calls Discard when it throws the handler away, at a crash
// or when its World is closed. The handler is never called again.
type Discarder interface {
	Discard()
}

// HandlerFunc adapts a plain function to a Handler.
type HandlerFunc func(env Env, ev Event)

// Handle calls f(env, ev).
func (f HandlerFunc) Handle(env Env, ev Event) { f(env, ev) }

// Factory builds a fresh handler: once when a node is added and again at
// every restart. The new handler learns its ID from env.Self() and whether it
// is recovering from Start.Restarted.
type Factory func() Handler

// Event is one of *Start, *Recv or *Timeout; the set is closed.
type Event interface{ event() }

// Start is the first event of every incarnation of a node.
type Start struct {
	// Restarted is true when the node is recovering from a crash and its
	// disk holds what the previous incarnations made durable.
	Restarted bool
}

// Recv delivers one message.
type Recv struct {
	From ID
	Msg  any
}

// Timeout fires a timer set with SetTimer and not stopped since.
type Timeout struct {
	ID  TimerID
	Tag any
}

func (*Start) event()   {}
func (*Recv) event()    {}
func (*Timeout) event() {}

// Env is a node's only window on the world. Its methods may be called only
// from within the Handle call it was passed to.
type Env interface {
	// Self is this node's ID.
	Self() ID
	// Now is this node's local clock: virtual time as this node sees it,
	// possibly skewed or drifting against other nodes' clocks. Use it for
	// local decisions (leases, timeouts), never to order events across nodes.
	Now() time.Duration
	// Rand is this incarnation's random stream, seeded from the run's seed.
	Rand() *Rand
	// Send queues msg for delivery to node to. The network may delay, drop,
	// duplicate or reorder it. msg must survive a gob round trip and must
	// not be modified after the call.
	Send(to ID, msg any)
	// SetTimer arms a timer that fires a Timeout carrying tag after d of
	// this node's local time. A crash cancels every timer.
	SetTimer(d time.Duration, tag any) TimerID
	// StopTimer cancels a timer; stopping a fired or unknown timer is a no-op.
	StopTimer(id TimerID)
	// Disk is this node's durable store; see Disk for what survives a crash.
	Disk() Disk
	// Compute charges d of CPU time to this handler call. When the runtime
	// models CPU, the node is busy for that long and its effects happen at
	// the end; otherwise it is ignored.
	Compute(d time.Duration)
	// Logf records a line stamped with virtual time and node, visible in
	// the trace. It costs nothing to speak of when tracing is off, beyond
	// building the arguments.
	Logf(format string, args ...any)
	// Mark records that the node reached a state worth reaching (see
	// Mark). It changes nothing in the run; a runtime that does not
	// measure coverage ignores it.
	Mark(m Mark)
}

// Disk is a node's small file store. A write is visible to the node at once
// and volatile until a later Sync (or SyncFile of its file) returns. A
// crash keeps everything synced plus some prefix of the unsynced writes, in
// order; the last write of that
// prefix may be torn (an Append keeps only a prefix of its bytes). WriteFile
// replaces a file atomically: it is never torn, only kept or lost.
//
// Code that persists must check what it reads back (length, checksum) and
// must Sync before it acts on the assumption that a write is durable.
type Disk interface {
	// ReadFile returns a copy of the named file, or ErrNotExist.
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces the named file with a copy of data.
	WriteFile(name string, data []byte)
	// Append adds a copy of data to the end of the named file, creating it.
	Append(name string, data []byte)
	// Remove deletes the named file; removing a missing file is a no-op.
	Remove(name string)
	// Names lists the files in lexical order.
	Names() []string
	// Sync makes every write before it durable.
	Sync()
	// SyncFile makes every write to the named file before it durable (its
	// creation, appends, replacement or removal), and no other file's: a
	// program's fsync of one file. Writes to other files stay as volatile
	// as they were, so a program that syncs the wrong file loses data.
	SyncFile(name string)
}

// ErrNotExist is returned by Disk.ReadFile for a missing file.
var ErrNotExist = errors.New("node: file does not exist")

// Sizer is implemented by messages that know their encoded size in bytes.
// Messages without it are measured by the runtime.
type Sizer interface {
	Size() int
}

// String formats an ID as the runtime's default node name, "n3".
func (id ID) String() string {
	if id == None {
		return "none"
	}
	return fmt.Sprintf("n%d", int(id))
}

// Unwrap peels off the wrappers a test puts around a node's handler (a
// broken variant built from outside a system): each wrapper that has an
// Unwrap() Handler method gives way to what it wraps, down to a handler
// that has none.
func Unwrap(h Handler) Handler {
	for {
		u, ok := h.(interface{ Unwrap() Handler })
		if !ok {
			return h
		}
		h = u.Unwrap()
	}
}
