// Package nodetest drives a node.Handler by hand, without the simulator: an
// Env that records what the handler sends, the timers it sets and what it
// writes, and lets a test deliver messages, fire timers and crash the disk
// one step at a time. Use it for unit tests of a system's logic; use package
// sim for everything about time, faults and the network.
package nodetest

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Sent is one message a handler sent.
type Sent struct {
	To  node.ID
	Msg any
}

// Timer is one pending timer.
type Timer struct {
	ID  node.TimerID
	Due time.Duration // on the Env's clock
	Tag any
}

// Env is a node.Env under a test's control. Its clock only moves when the
// test moves it (Advance, or FireNext to the next timer).
type Env struct {
	id      node.ID
	clock   time.Duration
	rand    *node.Rand
	disk    *Disk
	sent    []Sent
	timers  []Timer
	next    node.TimerID
	compute time.Duration
	logs    []string
	marks   map[string]int
}

// New returns an Env for node id with a random stream seeded by seed and an
// empty disk.
func New(id node.ID, seed uint64) *Env {
	return &Env{id: id, rand: node.NewRand(seed), disk: NewDisk()}
}

// Self implements node.Env.
func (e *Env) Self() node.ID { return e.id }

// Now implements node.Env.
func (e *Env) Now() time.Duration { return e.clock }

// Rand implements node.Env.
func (e *Env) Rand() *node.Rand { return e.rand }

// Send implements node.Env by recording the message.
func (e *Env) Send(to node.ID, msg any) { e.sent = append(e.sent, Sent{to, msg}) }

// SetTimer implements node.Env by recording the timer.
func (e *Env) SetTimer(d time.Duration, tag any) node.TimerID {
	e.next++
	e.timers = append(e.timers, Timer{ID: e.next, Due: e.clock + max(d, 0), Tag: tag})
	return e.next
}

// StopTimer implements node.Env.
func (e *Env) StopTimer(id node.TimerID) {
	e.timers = slices.DeleteFunc(e.timers, func(t Timer) bool { return t.ID == id })
}

// Disk implements node.Env.
func (e *Env) Disk() node.Disk { return e.disk }

// Compute implements node.Env by adding up the charged CPU time.
func (e *Env) Compute(d time.Duration) { e.compute += d }

// Logf implements node.Env by keeping the line.
func (e *Env) Logf(format string, args ...any) {
	e.logs = append(e.logs, fmt.Sprintf("%v %v: ", e.clock, e.id)+fmt.Sprintf(format, args...))
}

// Store is the Env's disk, for crashing it or looking inside.
func (e *Env) Store() *Disk { return e.disk }

// Mark implements node.Env by counting the mark.
func (e *Env) Mark(m node.Mark) {
	if e.marks == nil {
		e.marks = map[string]int{}
	}
	e.marks[m.Info().Name]++
}

// Marked is how many times the handlers marked the named mark.
func (e *Env) Marked(name string) int { return e.marks[name] }

// Sent returns the messages sent since the last call and forgets them.
func (e *Env) Sent() []Sent {
	out := e.sent
	e.sent = nil
	return out
}

// Timers returns the pending timers, earliest first.
func (e *Env) Timers() []Timer {
	out := slices.Clone(e.timers)
	slices.SortStableFunc(out, func(a, b Timer) int {
		return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Computed returns the CPU time the handler charged with Compute.
func (e *Env) Computed() time.Duration { return e.compute }

// Logs returns the lines logged so far.
func (e *Env) Logs() []string { return e.logs }

// Advance moves the clock forward by d without firing timers.
func (e *Env) Advance(d time.Duration) { e.clock += d }

// Start delivers a Start event to h.
func (e *Env) Start(h node.Handler, restarted bool) {
	h.Handle(e, &node.Start{Restarted: restarted})
}

// Boot delivers a Start event to h and returns the diagnosis if h refuses
// to start over damaged state (node.Refuse), or nil. Any other panic goes
// on up.
func (e *Env) Boot(h node.Handler, restarted bool) (refusal *node.Damage) {
	return node.Refusal(func() {
		e.Start(h, restarted)
	})
}

// Deliver hands h a message from another node.
func (e *Env) Deliver(h node.Handler, from node.ID, msg any) {
	h.Handle(e, &node.Recv{From: from, Msg: msg})
}

// FireNext moves the clock to the earliest pending timer and fires it at
// h. It returns false, doing nothing, when no timer is pending.
func (e *Env) FireNext(h node.Handler) (Timer, bool) {
	ts := e.Timers()
	if len(ts) == 0 {
		return Timer{}, false
	}
	t := ts[0]
	e.StopTimer(t.ID)
	if t.Due > e.clock {
		e.clock = t.Due
	}
	h.Handle(e, &node.Timeout{ID: t.ID, Tag: t.Tag})
	return t, true
}

// Crash forgets the pending timers and unsynced writes, as a crash would
// (keeping no unsynced write at all: the harshest prefix). The test then
// builds a fresh handler and calls Start(h, true).
func (e *Env) Crash() {
	e.timers = nil
	e.sent = nil
	e.disk.Crash()
}
