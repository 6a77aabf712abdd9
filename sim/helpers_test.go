package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// This file holds the small handler types and helpers shared by the engine's
// unit tests. Every test builds its own World; nothing here is global state
// except what a test passes in.

// num is the plain message most tests send.
type num struct{ N int }

// obs is one event a test handler observed.
type obs struct {
	At        time.Duration // the node's env.Now() when it handled the event
	Node      node.ID
	Kind      string // start, recv, timeout
	Restarted bool   // start
	From      node.ID
	Msg       any           // recv: the message; timeout: the tag
	Timer     node.TimerID  // timeout
	Inc       int           // incarnation of the handler (1 for the first)
	Virtual   time.Duration // World.Now() when the event was handled
}

// journal collects what the handlers of one World observed, across every
// node and incarnation, in handling order.
type journal struct {
	w       *sim.World
	entries []obs
	builds  map[node.ID]int // factory calls per node
}

func newJournal(w *sim.World) *journal {
	return &journal{w: w, builds: map[node.ID]int{}}
}

// fnNode is a handler driven by optional hooks that records every event it
// handles in a journal before calling the hook.
type fnNode struct {
	j       *journal
	inc     int
	start   func(env node.Env, restarted bool)
	recv    func(env node.Env, from node.ID, msg any)
	timeout func(env node.Env, id node.TimerID, tag any)
}

func (h *fnNode) Handle(env node.Env, ev node.Event) {
	o := obs{At: env.Now(), Node: env.Self(), Inc: h.inc, From: node.None}
	if h.j != nil && h.j.w != nil {
		o.Virtual = h.j.w.Now()
	}
	switch ev := ev.(type) {
	case *node.Start:
		o.Kind, o.Restarted = "start", ev.Restarted
	case *node.Recv:
		o.Kind, o.From, o.Msg = "recv", ev.From, ev.Msg
	case *node.Timeout:
		o.Kind, o.Timer, o.Msg = "timeout", ev.ID, ev.Tag
	default:
		panic(fmt.Sprintf("unexpected event %T", ev))
	}
	if h.j != nil {
		h.j.entries = append(h.j.entries, o)
	}
	switch ev := ev.(type) {
	case *node.Start:
		if h.start != nil {
			h.start(env, ev.Restarted)
		}
	case *node.Recv:
		if h.recv != nil {
			h.recv(env, ev.From, ev.Msg)
		}
	case *node.Timeout:
		if h.timeout != nil {
			h.timeout(env, ev.ID, ev.Tag)
		}
	}
}

// hooks are the optional callbacks of a fnNode.
type hooks struct {
	start   func(env node.Env, restarted bool)
	recv    func(env node.Env, from node.ID, msg any)
	timeout func(env node.Env, id node.TimerID, tag any)
}

// add adds a node named name whose handlers run hk and record into j.
func (j *journal) add(name string, hk hooks) node.ID {
	id := node.ID(len(j.w.Nodes())) // the factory runs inside AddNode
	got := j.w.AddNode(name, func() node.Handler {
		j.builds[id]++
		return &fnNode{j: j, inc: j.builds[id], start: hk.start, recv: hk.recv, timeout: hk.timeout}
	})
	if got != id {
		panic(fmt.Sprintf("AddNode returned %v, want %v", got, id))
	}
	return id
}

// filter returns the entries of one node (node.None: all) of one kind ("" all).
func (j *journal) filter(id node.ID, kind string) []obs {
	var out []obs
	for _, o := range j.entries {
		if (id == node.None || o.Node == id) && (kind == "" || o.Kind == kind) {
			out = append(out, o)
		}
	}
	return out
}

// nums returns the N of every num message id received, in order.
func (j *journal) nums(id node.ID) []int {
	var out []int
	for _, o := range j.filter(id, "recv") {
		if m, ok := o.Msg.(num); ok {
			out = append(out, m.N)
		}
	}
	return out
}

// fixedLink is a link with a constant latency: no spread, loss or tail.
func fixedLink(d time.Duration) *sim.LinkConfig {
	return &sim.LinkConfig{LatencyMin: d}
}

// runFor runs w for d and fails the test on a run failure.
func runFor(t testing.TB, w *sim.World, d time.Duration) {
	t.Helper()
	if err := w.RunFor(d); err != nil {
		t.Fatalf("RunFor(%v) failed: %v", d, err)
	}
}

// asFailure unwraps err into a *sim.Failure or fails the test.
func asFailure(t testing.TB, err error) *sim.Failure {
	t.Helper()
	var f *sim.Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %v (%T) is not a *sim.Failure", err, err)
	}
	return f
}

// panics reports whether fn panics, and with what.
func panics(fn func()) (msg string, did bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, did = fmt.Sprint(r), true
		}
	}()
	fn()
	return "", false
}

// seq returns 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// sortedCopy returns a sorted copy of s.
func sortedCopy(s []int) []int {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
