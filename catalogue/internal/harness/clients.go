package harness

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Clerk is the client side of a system, which a client node embeds
// (kv.Clerk, shardkv.Clerk, …): Handle takes the events that are its own
// and reports whether it did; Busy says an operation is in progress.
type Clerk interface {
	Handle(env node.Env, ev node.Event) bool
	Busy() bool
}

// Clients are a world's client nodes c0, c1, …, in the order they were
// added, and the history of their operations.
type Clients[C Clerk] struct {
	w    *sim.World
	list []*Client[C]
	// History records the clients' operations (Client.Call), for
	// Case.CheckLinearizable.
	History *checker.Recorder
	// Stopping tells the clients' workloads to start no new operation.
	Stopping bool
}

// NewClients makes w's clients, none yet.
func NewClients[C Clerk](w *sim.World) *Clients[C] {
	return &Clients[C]{w: w, History: scenarios.NewRecorder(w)}
}

// Add adds a client node, c<n> for the n-th client: every incarnation gets
// a clerk from newClerk, and next (nil: nothing) is what the client does
// when it starts and when a pause (Think) ends.
func (cs *Clients[C]) Add(newClerk func() C, next func(env node.Env)) *Client[C] {
	cl := &Client[C]{Index: len(cs.list), clients: cs, next: next}
	cs.list = append(cs.list, cl)
	cl.ID = cs.w.AddNode(cl.Name(), func() node.Handler {
		cl.Clerk = newClerk()
		return cl
	})
	return cl
}

// All lists the clients in the order they were added.
func (cs *Clients[C]) All() []*Client[C] { return cs.list }

// Busy reports whether some client's clerk has an operation in progress.
func (cs *Clients[C]) Busy() bool {
	for _, cl := range cs.list {
		if cl.Clerk.Busy() {
			return true
		}
	}
	return false
}

// Drain stops the workloads (Stopping) and runs w until every client's
// last operation completed, for at most limit.
func (cs *Clients[C]) Drain(limit time.Duration) error {
	cs.Stopping = true
	return cs.w.RunUntil(func() bool { return !cs.Busy() }, limit, "every client's last operation completing")
}

// Waiting names the clients whose clerk waits for an answer.
func (cs *Clients[C]) Waiting() []string {
	var names []string
	for _, cl := range cs.list {
		if cl.Clerk.Busy() {
			names = append(names, cl.Name())
		}
	}
	return names
}

// Client is one client node: the running incarnation's clerk, and what the
// client does next.
type Client[C Clerk] struct {
	Index int
	ID    node.ID
	// Clerk is the latest incarnation's clerk.
	Clerk C
	// Idle is for the client's workload to say it has nothing more to do
	// (it stopped, or did all it had to).
	Idle    bool
	clients *Clients[C]
	next    func(env node.Env)
}

// thinkTick ends a client's pause (Think); later runs fn (After).
type (
	thinkTick struct{}
	later     struct{ fn func(env node.Env) }
)

// Name is the client's node name, c<Index>.
func (cl *Client[C]) Name() string { return fmt.Sprintf("c%d", cl.Index) }

// Handle implements node.Handler: the clerk's events go to the clerk; the
// client's start and the end of a pause to next; After's timers to their
// function.
func (cl *Client[C]) Handle(env node.Env, ev node.Event) {
	if cl.Clerk.Handle(env, ev) {
		return
	}
	switch ev := ev.(type) {
	case *node.Start:
		cl.resume(env)
	case *node.Timeout:
		switch t := ev.Tag.(type) {
		case thinkTick:
			cl.resume(env)
		case later:
			t.fn(env)
		}
	}
}

func (cl *Client[C]) resume(env node.Env) {
	if cl.next != nil {
		cl.next(env)
	}
}

// Think pauses the client for d; then next runs.
func (cl *Client[C]) Think(env node.Env, d time.Duration) { env.SetTimer(d, thinkTick{}) }

// After runs fn in the client's handler d from now (a timer of this
// incarnation).
func (cl *Client[C]) After(env node.Env, d time.Duration, fn func(env node.Env)) {
	env.SetTimer(d, later{fn})
}

// Call records the start of one of the client's operations in the history,
// with its input as the model takes it, and returns what records its end.
func (cl *Client[C]) Call(in any) (end func(out any)) {
	id := cl.clients.History.Call(cl.Index, in)
	return func(out any) { cl.clients.History.Return(id, out) }
}
