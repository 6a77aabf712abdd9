package harness

import (
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
)

// Ballots feeds checker.Ballots from a group of Paxos peers, whatever runs
// on them (bare peers, a replicated log, a key/value store): every phase 2
// message is checked against the promises its proposal received (P2c) and
// the values already chosen (P2b) as it is sent; a promise or an
// acceptance is recorded as it reaches another peer, before the peer (or a
// broken variant's wrapper) sees it, and checked against the acceptor's
// state when it restarts and whenever a message it sent before arrives
// late. A peer's promise to its own proposer, and what its acceptor
// accepted, are read from its state once an event's effects are applied:
// a crash inside a handler keeps a prefix of them, and its memory is gone.
//
// Wrap each peer's handler with Handler, hand Env's wrapper to any call
// made on a peer outside its handler (World.Invoke), and call Check from
// an observer of the peers' events.
type Ballots struct {
	w     *sim.World
	ids   []node.ID
	peer  func(id node.ID) *paxos.Paxos
	check *checker.Ballots
	err   error
	after []ballotEvent
}

// ballotEvent is an event a peer's handler took.
type ballotEvent struct {
	h  *ballotHost
	ev node.Event
}

// NewBallots watches the peers ids of w; peer finds the Paxos a running
// peer's handler holds (nil if none).
func NewBallots(w *sim.World, ids []node.ID, peer func(id node.ID) *paxos.Paxos) *Ballots {
	return &Ballots{w: w, ids: ids, peer: peer, check: checker.NewBallots(len(ids))}
}

// Handler wraps peer id's handler h.
func (b *Ballots) Handler(id node.ID, h node.Handler) node.Handler {
	return &ballotHost{b: b, id: id, i: b.index(id), h: h}
}

// Env wraps the Env of a call made on peer id outside its handler.
func (b *Ballots) Env(id node.ID, env node.Env) node.Env {
	return ballotEnv{Env: env, b: b, i: b.index(id)}
}

// Check reads the peers' state after the events handled since the last
// call and returns the first failure of the run.
func (b *Ballots) Check() error {
	for _, e := range b.after {
		id := b.ids[e.h.i]
		if b.w.Up(id) && b.w.Handler(id) == node.Handler(e.h) {
			if px := b.peer(id); px != nil {
				b.handled(e.h.i, px, e.ev)
			}
		}
	}
	b.after = b.after[:0]
	return b.err
}

// ballotHost is a peer's handler, watched.
type ballotHost struct {
	b  *Ballots
	id node.ID
	i  int
	h  node.Handler
}

// Unwrap is the handler inside, for node.Unwrap.
func (h *ballotHost) Unwrap() node.Handler { return h.h }

func (h *ballotHost) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		h.b.delivered(r.From, r.Msg)
	}
	h.h.Handle(ballotEnv{Env: env, b: h.b, i: h.i}, ev)
	h.b.after = append(h.b.after, ballotEvent{h, ev})
}

// ballotEnv notes what a peer sends.
type ballotEnv struct {
	node.Env
	b *Ballots
	i int
}

func (e ballotEnv) Send(to node.ID, msg any) {
	e.b.sending(e.i, msg)
	e.Env.Send(to, msg)
}

func (b *Ballots) fail(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

func (b *Ballots) index(id node.ID) int {
	for i, x := range b.ids {
		if x == id {
			return i
		}
	}
	return -1
}

// running is peer i's Paxos if it is up and booted.
func (b *Ballots) running(i int) *paxos.Paxos {
	if i < 0 || !b.w.Up(b.ids[i]) {
		return nil
	}
	if px := b.peer(b.ids[i]); px != nil && px.Booted() {
		return px
	}
	return nil
}

// sending checks a phase 2 message, and notes the sender's promise to its
// own proposal as it sends phase 1 (its own acceptor answers first).
func (b *Ballots) sending(i int, msg any) {
	px := b.running(i)
	if px == nil {
		return
	}
	switch m := msg.(type) {
	case paxos.Prepare:
		if px.Promised(m.Seq) == m.N {
			na, va := px.Accepted(m.Seq)
			b.fail(b.check.Promised(m.Seq, i, m.N, na, va, false))
		}
	case paxos.Accept:
		b.fail(b.check.Proposed(m.Seq, m.N, m.V))
	}
}

// delivered records what a message reaching a peer reveals of its sender,
// and checks the sender now: for the incarnation that said it this holds
// trivially, for an earlier one it is the durability the restart check
// asks for.
func (b *Ballots) delivered(from node.ID, msg any) {
	i := b.index(from)
	if i < 0 {
		return
	}
	var seq int
	switch m := msg.(type) {
	case paxos.PrepareReply:
		if !m.OK || m.Decided || m.Forgotten {
			return
		}
		seq = m.Seq
		b.fail(b.check.Promised(m.Seq, i, m.N, m.NA, m.VA, true))
	case paxos.AcceptReply:
		if !m.OK {
			return
		}
		seq = m.Seq
		b.fail(b.check.Acknowledged(m.Seq, i, m.N))
	default:
		return
	}
	if px := b.running(i); px != nil {
		np, na, settled := acceptorState(px, seq)
		b.fail(b.check.CheckInstance(seq, i, np, na, settled))
	}
}

// handled reads what peer i's acceptor holds after an event.
func (b *Ballots) handled(i int, px *paxos.Paxos, ev node.Event) {
	if !px.Booted() {
		return
	}
	switch ev := ev.(type) {
	case *node.Start:
		if ev.Restarted {
			b.fail(b.check.CheckAcceptor(i, func(seq int) (int, int, bool) { return acceptorState(px, seq) }))
		}
	case *node.Recv:
		if seq, ok := instanceOf(ev.Msg); ok {
			if na, va := px.Accepted(seq); na > 0 {
				b.fail(b.check.Accepted(seq, i, na, va, false))
			}
		}
	}
}

func acceptorState(px *paxos.Paxos, seq int) (np, na int, settled bool) {
	na, _ = px.Accepted(seq)
	fate, _ := px.Status(seq)
	return px.Promised(seq), na, fate != paxos.Pending
}

func instanceOf(msg any) (int, bool) {
	switch m := msg.(type) {
	case paxos.Prepare:
		return m.Seq, true
	case paxos.PrepareReply:
		return m.Seq, true
	case paxos.Accept:
		return m.Seq, true
	case paxos.AcceptReply:
		return m.Seq, true
	}
	return 0, false
}
