package live

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// NodeConfig says how to run one node.
type NodeConfig struct {
	// ID and Name are the node's; Name is for logs and the data
	// directory's marker.
	ID   node.ID
	Name string
	// Dir is the node's data directory; its disk lives in it.
	Dir string
	// Send carries a message to another node (a Transport's Send); nil
	// drops every message to another node.
	Send func(to node.ID, msg any)
	// Log receives the node's log lines (its Logf, panics, restarts);
	// nil means standard error.
	Log *log.Logger
	// RestartDelay is how long a node that panicked stays down before it
	// restarts from its disk; it doubles with each panic in a row, up to
	// 30 s. Zero means 1 s.
	RestartDelay time.Duration
	// Lock is the data directory's lock if the caller took it already
	// (LockDir), to refuse a directory in use before binding a port, say;
	// nil: StartNode takes it. The node releases it when it stops.
	Lock *DirLock
	// MaxBootPanics stops the node, instead of restarting it again, when
	// that many incarnations in a row panic while booting (their Start
	// event): a node whose saved state it cannot read would otherwise
	// restart for ever. Zero means 3.
	MaxBootPanics int
}

// Node runs one handler for real: one goroutine takes its events (messages
// from the transport, timers, Invoke calls) one at a time and hands them to
// the handler, then applies the call's effects.
type Node struct {
	cfg     NodeConfig
	factory node.Factory
	disk    *Disk
	lock    *DirLock // the data directory's, held for the node's life
	start   time.Time
	events  chan event
	quit    chan struct{}
	done    chan struct{}
	stop    sync.Once
	err     error
	logger  *log.Logger

	// Owned by the event loop.
	h          node.Handler
	up         bool
	inc        uint64
	rand       *node.Rand
	nextTimer  node.TimerID
	timers     map[node.TimerID]*timer
	bootPanics int
	refusal    *node.Damage // set when an incarnation refused to start (node.Refuse)
	panics     int          // panics in a row (reset after a calm minute)
	lastPanic  time.Time    // when the last one happened
	env        *env
	self       []any // messages the node sent itself, handled after the call

	marks    sync.Map // mark name → *atomic.Int64
	handled  atomic.Int64
	busyNs   atomic.Int64 // wall time inside handler calls
	restarts atomic.Int64
}

type timer struct {
	d   time.Duration
	tag any
	t   *time.Timer
}

type eventKind int

const (
	evRecv eventKind = iota
	evTimer
	evInvoke
	evRestart
)

type event struct {
	kind  eventKind
	from  node.ID
	msg   any
	inc   uint64
	timer node.TimerID
	fn    func(node.Env)
	ack   chan bool
}

// DirLock is a data directory's lock, held by one process at a time, so
// that two processes never write one node's state (see LockDir).
type DirLock struct{ f *os.File }

// LockDir takes the exclusive lock on the data directory dir (creating
// it) for node name, or says which process holds it. It is released by
// Close or by the process's death, however it dies.
func LockDir(dir, name string) (*DirLock, error) {
	if dir == "" {
		return nil, fmt.Errorf("live: node %s has no data directory", name)
	}
	f, err := lockDir(dir, name)
	if err != nil {
		return nil, err
	}
	return &DirLock{f}, nil
}

// Close releases the lock.
func (l *DirLock) Close() error { return l.f.Close() }

// markerName is the data directory's file that says whose it is.
const markerName = "node"

// StartNode opens the node's data directory and starts it: the handler
// gets Start{Restarted: true} when the directory holds an earlier
// incarnation's state. A directory that belongs to another node is
// refused.
func StartNode(cfg NodeConfig, f node.Factory) (*Node, error) {
	if cfg.RestartDelay <= 0 {
		cfg.RestartDelay = time.Second
	}
	if cfg.MaxBootPanics <= 0 {
		cfg.MaxBootPanics = 3
	}
	if cfg.Name == "" {
		cfg.Name = cfg.ID.String()
	}
	logger := cfg.Log
	if logger == nil {
		logger = log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("live: node %s has no data directory", cfg.Name)
	}
	lock := cfg.Lock
	if lock == nil {
		var err error
		if lock, err = LockDir(cfg.Dir, cfg.Name); err != nil {
			return nil, err
		}
	}
	restarted, err := claimDir(cfg.Dir, cfg.Name)
	if err != nil {
		lock.Close()
		return nil, err
	}
	disk, err := OpenDisk(filepath.Join(cfg.Dir, "disk"))
	if err != nil {
		lock.Close()
		return nil, err
	}
	n := &Node{
		cfg: cfg, factory: f, disk: disk, lock: lock, start: time.Now(), logger: logger,
		events: make(chan event, 1024), quit: make(chan struct{}), done: make(chan struct{}),
		timers: map[node.TimerID]*timer{},
	}
	n.env = &env{n: n}
	go n.loop(restarted)
	return n, nil
}

// claimDir writes a marker naming the node into dir (created, and locked,
// by LockDir), or checks the marker already there; it reports whether the
// node ran there before.
func claimDir(dir, name string) (restarted bool, err error) {
	marker := filepath.Join(dir, markerName)
	b, err := os.ReadFile(marker)
	switch {
	case err == nil:
		if got := strings.TrimSpace(string(b)); got != name {
			return false, fmt.Errorf("live: data directory %s belongs to node %s, not %s: give each node its own", dir, got, name)
		}
		return true, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("live: data directory: %w", err)
	}
	if err := os.WriteFile(marker, []byte(name+"\n"), 0o644); err != nil {
		return false, fmt.Errorf("live: data directory: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return false, fmt.Errorf("live: data directory: %w", err)
	}
	return false, nil
}

// Deliver hands the node a message from another node; it waits while the
// node's queue is full (pushing back on the connection) and drops the
// message when the node has stopped.
func (n *Node) Deliver(from node.ID, msg any) {
	select {
	case n.events <- event{kind: evRecv, from: from, msg: msg}:
	case <-n.quit:
	}
}

// Invoke runs fn inside the node as one handler call, with the node's Env;
// it reports false when the node is down or stopped and fn did not run. It
// waits for the call to end. Invoke is how a program drives a client node
// (start an operation) from outside the event loop.
func (n *Node) Invoke(fn func(env node.Env)) bool {
	ack := make(chan bool, 1)
	select {
	case n.events <- event{kind: evInvoke, fn: fn, ack: ack}:
	case <-n.quit:
		return false
	}
	select {
	case ok := <-ack:
		return ok
	case <-n.done:
		return false
	}
}

// Stop stops the node: no more events, timers cancelled, disk closed. What
// the node synced is on disk; what it did not may or may not be, as after
// a crash.
func (n *Node) Stop() {
	n.stop.Do(func() { close(n.quit) })
	<-n.done
}

// Done is closed when the node has stopped, by Stop or by itself.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err says why a node stopped by itself (nil after Stop).
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Stats are a running node's counters.
type Stats struct {
	Handled  int64            // handler calls
	Busy     time.Duration    // wall time spent in them, effects included
	Restarts int64            // restarts after a panic
	Marks    map[string]int64 // marks reached, by name
	Up       time.Duration    // since the node started
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	s := Stats{Handled: n.handled.Load(), Busy: time.Duration(n.busyNs.Load()), Restarts: n.restarts.Load(), Marks: map[string]int64{}, Up: time.Since(n.start)}
	n.marks.Range(func(k, v any) bool {
		s.Marks[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return s
}

func (n *Node) logf(format string, args ...any) {
	n.logger.Printf("%s: %s", n.cfg.Name, fmt.Sprintf(format, args...))
}

func (n *Node) loop(restarted bool) {
	defer close(n.done)
	defer n.shutdown()
	if !n.boot(restarted) {
		return
	}
	for {
		select {
		case <-n.quit:
			return
		case ev := <-n.events:
			if !n.dispatch(ev) || n.refusal != nil {
				return
			}
			for len(n.self) > 0 && n.up {
				msg := n.self[0]
				n.self = n.self[1:]
				n.call(&node.Recv{From: n.cfg.ID, Msg: msg}, nil)
			}
		}
	}
}

func (n *Node) shutdown() {
	n.crash()
	n.disk.Close()
	n.lock.Close() // releases the lock
	// Invoke calls still queued get their answer.
	for {
		select {
		case ev := <-n.events:
			if ev.ack != nil {
				ev.ack <- false
			}
		default:
			return
		}
	}
}

// boot starts a new incarnation; false means the node must stop.
func (n *Node) boot(restarted bool) bool {
	n.inc++
	n.rand = node.NewRand(osSeed())
	n.h = n.factory()
	n.up = true
	if !n.call(&node.Start{Restarted: restarted}, nil) {
		if n.refusal != nil {
			return false
		}
		n.bootPanics++
		if n.bootPanics >= n.cfg.MaxBootPanics {
			n.err = fmt.Errorf("live: node %s panicked while booting %d times in a row; it is not restarted again. Its state is in %s: inspect it, fix or remove it, then start the node again", n.cfg.Name, n.bootPanics, n.disk.Dir())
			n.logf("%v", n.err)
			return false
		}
		return true
	}
	n.bootPanics = 0
	return true
}

// crash throws the incarnation away: handler, timers.
func (n *Node) crash() {
	for _, t := range n.timers { //simlab:unordered stopping each timer; the order does not matter
		if t.t != nil {
			t.t.Stop()
		}
	}
	clear(n.timers)
	n.self = nil
	n.h = nil
	n.up = false
	n.inc++
}

func (n *Node) dispatch(ev event) bool {
	switch ev.kind {
	case evRestart:
		if ev.inc == n.inc && !n.up {
			n.restarts.Add(1)
			if !n.boot(true) {
				return false
			}
		}
	case evRecv:
		if n.up {
			n.call(&node.Recv{From: ev.from, Msg: ev.msg}, nil)
		}
	case evTimer:
		if !n.up || ev.inc != n.inc {
			return true
		}
		t, ok := n.timers[ev.timer]
		if !ok {
			return true
		}
		delete(n.timers, ev.timer)
		n.call(&node.Timeout{ID: ev.timer, Tag: t.tag}, nil)
	case evInvoke:
		if !n.up {
			ev.ack <- false
			return true
		}
		n.call(nil, ev.fn)
		ev.ack <- true
	}
	return true
}

// call runs one handler call (ev, or fn for Invoke) and applies its
// effects; a panic crashes the incarnation and schedules a restart, and
// call reports false.
func (n *Node) call(ev node.Event, fn func(node.Env)) (ok bool) {
	e := n.env
	e.reset()
	n.handled.Add(1)
	t0 := time.Now()
	defer func() {
		n.busyNs.Add(int64(time.Since(t0)))
		if p := recover(); p != nil {
			if d, isDamage := p.(*node.Damage); isDamage {
				n.refuse(d)
			} else {
				n.panicked(p, debug.Stack(), ev)
			}
			ok = false
		}
	}()
	if fn != nil {
		fn(e)
	} else {
		n.h.Handle(e, ev)
	}
	e.apply()
	return true
}

// DamageError is why a node stopped when its handler refused to run over
// damaged durable state (node.Refuse): the diagnosis, with the path of the
// file at fault. The node is not restarted, since the damage would only be
// found again, and nothing was written: the files are as the node found
// them, for an operator to inspect (see "A damaged node" in docs/live.md).
type DamageError struct {
	Node   string
	Path   string // the damaged file's path on this machine
	Damage *node.Damage
}

func (e *DamageError) Error() string {
	at := ""
	if e.Damage.Offset >= 0 {
		at = fmt.Sprintf(" at offset %d", e.Damage.Offset)
	}
	return fmt.Sprintf("live: node %s refuses to start: damaged durable state in %s (disk file %s)%s: %s; nothing was changed",
		e.Node, e.Path, e.Damage.File, at, e.Damage.Found)
}

// refuse stops the node over damaged state: no restart, the error kept.
func (n *Node) refuse(d *node.Damage) {
	n.refusal = d
	n.err = &DamageError{Node: n.cfg.Name, Path: n.disk.Path(d.File), Damage: d}
	n.logf("%v", n.err)
	n.crash()
}

func (n *Node) panicked(p any, stack []byte, ev node.Event) {
	// The call's effects die with it, as in a crash before they left;
	// timers it armed are forgotten with the incarnation.
	what := "handling an event"
	switch ev := ev.(type) {
	case *node.Start:
		what = "booting"
	case *node.Recv:
		what = fmt.Sprintf("handling %T from %v", ev.Msg, ev.From)
	case *node.Timeout:
		what = fmt.Sprintf("handling timer %T", ev.Tag)
	}
	if time.Since(n.lastPanic) > time.Minute {
		n.panics = 0
	}
	n.panics++
	n.lastPanic = time.Now()
	delay := n.cfg.RestartDelay << min(n.panics-1, 5)
	delay = min(delay, 30*time.Second)
	n.logf("panic while %s: %v\n%s\nthe node crashed; it restarts from its disk in %v", what, p, stack, delay)
	n.crash()
	inc := n.inc
	time.AfterFunc(delay, func() {
		select {
		case n.events <- event{kind: evRestart, inc: inc}:
		case <-n.quit:
		}
	})
}

func osSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return binary.LittleEndian.Uint64(b[:])
}

// Inspect runs fn with the node's handler inside its event loop (nil while
// the node is down), for a look at its state; it waits for fn.
func (n *Node) Inspect(fn func(h node.Handler)) bool {
	return n.Invoke(func(node.Env) { fn(n.h) })
}
