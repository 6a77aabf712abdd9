package pbservicecat

import (
	"fmt"
	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"slices"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// The oracles of the servers, checked on every event:
//
//   - checker.PrimaryBackup, fed what the servers send as they send it,
//     with the view the sender knew then and its incarnation (which its
//     pings carry): an answer to a client must come from the primary of
//     that view, after its backup acknowledged the operation; an
//     acknowledgment must come from the backup of the view the forward was
//     for; either only from an incarnation that holds the state (the
//     primary of view 1, as the view service's oracle saw it made, or one
//     a transfer reached).
//   - Its Replicas, once a primary applied an operation its backup
//     acknowledged: both replicas' data, read after the primary's event,
//     must be the same while neither moved to another view or restarted.
//   - checker.AtMostOnce, fed every Put and Append as a client sends it:
//     no replica's value holds a request's value twice, read after each of
//     the replica's events.
//
// State is read only once an event's effects are applied: a node that
// crashed inside its handler kept a prefix of them and lost its memory.

// pbOracle checks the servers and clients of a pbCluster.
type pbOracle struct {
	w       *sim.World
	rules   *checker.PrimaryBackup
	once    *checker.AtMostOnce
	clients map[uint64]string // each clerk's client ID: its client's name
	// acks holds the server incarnation that sent each acknowledgment.
	acks    map[sentAck]*pbHost
	handled []handledEvent // read once the event's effects are applied
	keys    []string       // a server's keys, sorted (reused)
	err     error          // the first rule broken
}

// sentAck is an acknowledgment of req that a backup sent for a view.
type sentAck struct {
	backup  node.ID
	viewnum uint64
	req     checker.RequestID
}

// handledEvent is an event a server took: the acknowledgment it brought,
// if any, and the requests the server answered while handling it.
type handledEvent struct {
	h        *pbHost
	ack      *forwardAck
	answered []checker.RequestID
}

// forwardAck is a positive ForwardReply, as it reached a primary.
type forwardAck struct {
	from node.ID
	m    pbservice.ForwardReply
}

// newPBOracle returns the oracles of the servers and clients of w.
func newPBOracle(w *sim.World) *pbOracle {
	o := &pbOracle{w: w, rules: checker.NewPrimaryBackup(), once: checker.NewAtMostOnce(' '),
		clients: map[uint64]string{}, acks: map[sentAck]*pbHost{}}
	names := func(s int) string { return w.Name(node.ID(s)) }
	o.rules.Names, o.once.Names = names, names
	o.rules.Clients, o.once.Clients = o.client, o.client
	return o
}

// client names a clerk's client ID.
func (o *pbOracle) client(id uint64) string {
	if name, ok := o.clients[id]; ok {
		return name
	}
	return fmt.Sprintf("client %d", id)
}

// fail keeps the first rule broken.
func (o *pbOracle) fail(err error) {
	if err != nil && o.err == nil {
		o.err = err
	}
}

// pbHost is one incarnation of a server's node: the server (or a test's
// broken variant of it) and what the oracles see of it.
type pbHost struct {
	h   node.Handler
	srv *pbservice.Server
	pc  *pbCluster
	id  node.ID
	inc uint64 // its incarnation, as its pings carry it
	// early says a transfer reached it before its first ping (inc 0).
	early bool
	now   *handledEvent // the event being handled
	base  node.Env      // the Env it was handed
	env   node.Env      // and the one it hands the server, made once
}

// Unwrap is the server inside, for node.Unwrap.
func (h *pbHost) Unwrap() node.Handler { return h.h }

// Handle notes what a message reveals as it arrives, and what the server
// sends while handling it.
func (h *pbHost) Handle(env node.Env, ev node.Event) {
	o := h.pc.oracle
	o.handled = append(o.handled, handledEvent{h: h})
	e := &o.handled[len(o.handled)-1] // nothing else is handled meanwhile
	if r, ok := ev.(*node.Recv); ok {
		switch m := r.Msg.(type) {
		case viewservice.PingReply:
			if r.From == h.pc.vs {
				h.pc.views.Revealed(m.View)
			}
		case pbservice.ForwardReply:
			if m.OK {
				e.ack = &forwardAck{from: r.From, m: m}
			}
		case pbservice.Transfer:
			if h.inc == 0 {
				// It reached this incarnation before its first ping named
				// it (a transfer held in the network past a restart).
				h.early = true
			} else {
				o.rules.Received(int(h.id), h.inc)
			}
		}
	}
	h.now = e
	if h.base != env {
		h.base, h.env = env, serverEnv{env, h}
	}
	h.h.Handle(h.env, ev)
	h.now = nil
}

// serverEnv is a server's Env, checking its answers and acknowledgments as
// it sends them.
type serverEnv struct {
	node.Env
	h *pbHost
}

// Send checks an answer or an acknowledgment, notes the incarnation a
// ping carries, and sends.
func (e serverEnv) Send(to node.ID, msg any) {
	o, self := e.h.pc.oracle, e.Self()
	switch m := msg.(type) {
	case viewservice.Ping:
		e.h.inc = m.Incarnation // its first ping is its first send
		if e.h.early {
			e.h.early = false
			o.rules.Received(int(self), e.h.inc)
		}
	case pbservice.Reply:
		if m.Err == pbservice.OK {
			req := checker.RequestID{Client: m.ClientID, Seq: m.Seq}
			o.fail(o.rules.Answered(int(self), e.h.inc, harness.PBView(e.h.srv.View()), req))
			if e.h.now != nil {
				e.h.now.answered = append(e.h.now.answered, req)
			}
		}
	case pbservice.ForwardReply:
		if m.OK {
			req := checker.RequestID{Client: m.ClientID, Seq: m.Seq}
			o.fail(o.rules.Acknowledged(int(self), e.h.inc, harness.PBView(e.h.srv.View()), int(to), m.Viewnum, req))
			o.acks[sentAck{backup: self, viewnum: m.Viewnum, req: req}] = e.h
		}
	}
	e.Env.Send(to, msg)
}

// check is the invariant of every event: the state of the servers that
// handled events, once the events took effect, and the first rule broken.
func (o *pbOracle) check() error {
	for _, e := range o.handled {
		if id := e.h.pc.idOf(e.h); id != node.None {
			o.checkState(id, e)
		}
	}
	o.handled = o.handled[:0]
	return o.err
}

// checkState reads server id's state after event e.
func (o *pbOracle) checkState(id node.ID, e handledEvent) {
	data := e.h.srv.Snapshot()
	o.keys = o.keys[:0]
	for k := range data {
		o.keys = append(o.keys, k)
	}
	slices.Sort(o.keys) // the first rule broken does not hang on map order
	for _, k := range o.keys {
		o.fail(o.once.Check(int(id), k, data[k]))
	}
	if e.ack == nil || !answered(e, e.ack.m) {
		return
	}
	// The primary applied what its backup acknowledged: if both are still
	// in that view, in the incarnations that applied it, they must agree.
	v, b := e.h.srv.View(), e.ack.from
	req := checker.RequestID{Client: e.ack.m.ClientID, Seq: e.ack.m.Seq}
	backup := o.acks[sentAck{backup: b, viewnum: e.ack.m.Viewnum, req: req}]
	if v.Viewnum != e.ack.m.Viewnum || v.Primary != id || v.Backup != b || backup == nil || e.h.pc.idOf(backup) != b || backup.srv.View() != v {
		return
	}
	o.fail(o.rules.Replicas(int(id), int(b), v.Viewnum, req, data, backup.srv.Snapshot()))
}

// answered reports whether the server answered the request m acknowledges
// in event e: the acknowledgment was the one it waited for.
func answered(e handledEvent, m pbservice.ForwardReply) bool {
	for _, r := range e.answered {
		if r == (checker.RequestID{Client: m.ClientID, Seq: m.Seq}) {
			return true
		}
	}
	return false
}

// issued records a request a client sends.
func (o *pbOracle) issued(client node.ID, r pbservice.Request) {
	o.clients[r.ClientID] = o.w.Name(client)
	if r.Kind == pbservice.Put || r.Kind == pbservice.Append {
		o.fail(o.once.Wrote(checker.RequestID{Client: r.ClientID, Seq: r.Seq}, r.Key, r.Value))
	}
}

// pbClerk is a client's clerk, with the views the view service tells it
// checked as they arrive and its requests recorded as it sends them.
type pbClerk struct {
	*pbservice.Clerk
	pc   *pbCluster
	base node.Env // the Env it was handed
	env  node.Env // and the one it hands the clerk, made once
}

// Handle checks a view a query's reply carries, then hands the event to
// the clerk.
func (ck *pbClerk) Handle(env node.Env, ev node.Event) bool {
	if r, ok := ev.(*node.Recv); ok && r.From == ck.pc.vs {
		if m, ok := r.Msg.(viewservice.QueryReply); ok {
			ck.pc.views.Revealed(m.View)
		}
	}
	return ck.Clerk.Handle(ck.wrap(env), ev)
}

// Do runs an operation, recording its requests as they are sent.
func (ck *pbClerk) Do(env node.Env, kind, key, value string, done func(env node.Env, value string)) {
	ck.Clerk.Do(ck.wrap(env), kind, key, value, done)
}

// wrap is env, recording the requests sent through it.
func (ck *pbClerk) wrap(env node.Env) node.Env {
	if ck.base != env {
		ck.base, ck.env = env, clerkEnv{env, ck.pc}
	}
	return ck.env
}

// clerkEnv is a client's Env, recording the requests it sends.
type clerkEnv struct {
	node.Env
	pc *pbCluster
}

// Send records a request, and sends.
func (e clerkEnv) Send(to node.ID, msg any) {
	if r, ok := msg.(pbservice.Request); ok {
		e.pc.oracle.issued(e.Self(), r)
	}
	e.Env.Send(to, msg)
}
