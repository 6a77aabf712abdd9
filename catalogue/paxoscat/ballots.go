package paxoscat

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
)

// The oracles of checker.Ballots, fed from what the peers send and
// receive: every phase 2 message is checked against the promises its
// proposal received (P2c) and the values already chosen (P2b) as it is
// sent; a promise or an acceptance is recorded as it reaches another peer,
// and checked against the acceptor's state when it restarts and whenever
// a message it sent before arrives late. A peer's promise to its own
// proposer, and what its acceptor accepted, are read from its state.

// ballotEnv notes what a peer sends.
type ballotEnv struct {
	node.Env
	pc *pxCluster
	i  int
}

func (e ballotEnv) Send(to node.ID, msg any) {
	e.pc.sending(e.i, msg)
	e.Env.Send(to, msg)
}

func (pc *pxCluster) fail(err error) {
	if err != nil && pc.oracle == nil {
		pc.oracle = err
	}
}

// sending checks a phase 2 message, and notes the sender's promise to its
// own proposal as it sends phase 1 (its own acceptor answers first).
func (pc *pxCluster) sending(i int, msg any) {
	px := pc.peer(i)
	if px == nil {
		return
	}
	switch m := msg.(type) {
	case paxos.Prepare:
		if px.Promised(m.Seq) == m.N {
			na, va := px.Accepted(m.Seq)
			pc.fail(pc.ballots.Promised(m.Seq, i, m.N, na, va, false))
		}
	case paxos.Accept:
		pc.fail(pc.ballots.Proposed(m.Seq, m.N, m.V))
	}
}

// delivered records what a message reaching peer to reveals of its
// sender, before the peer (or a broken variant's wrapper) sees it.
func (pc *pxCluster) delivered(from node.ID, msg any) {
	i := pc.index(from)
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
		pc.fail(pc.ballots.Promised(m.Seq, i, m.N, m.NA, m.VA, true))
	case paxos.AcceptReply:
		if !m.OK {
			return
		}
		seq = m.Seq
		pc.fail(pc.ballots.Acknowledged(m.Seq, i, m.N))
	default:
		return
	}
	// The sender now must still hold what it said; for the incarnation
	// that said it this holds trivially, for an earlier one it is the
	// durability the restart check asks for.
	if px := pc.peer(i); px != nil && px.Booted() {
		np, na, settled := pc.acceptorState(px, seq)
		pc.fail(pc.ballots.CheckInstance(seq, i, np, na, settled))
	}
}

// handledEvent is an event a peer's handler took.
type handledEvent struct {
	h  *pxHost
	ev node.Event
}

// readHandled reads the acceptors' state after the events handled since
// the last call, once their effects are applied: a node that crashed
// inside its handler kept only some of them, and its memory is gone.
func (pc *pxCluster) readHandled() {
	for _, e := range pc.after {
		if pc.w.Up(pc.ids[e.h.i]) && pc.w.Handler(pc.ids[e.h.i]) == node.Handler(e.h) {
			pc.handled(e.h.i, e.h.px, e.ev)
		}
	}
	pc.after = pc.after[:0]
}

// handled reads what peer i's acceptor holds after an event.
func (pc *pxCluster) handled(i int, px *paxos.Paxos, ev node.Event) {
	if !px.Booted() {
		return
	}
	switch ev := ev.(type) {
	case *node.Start:
		if ev.Restarted {
			pc.fail(pc.ballots.CheckAcceptor(i, func(seq int) (int, int, bool) { return pc.acceptorState(px, seq) }))
		}
	case *node.Recv:
		if seq, ok := instanceOf(ev.Msg); ok {
			if na, va := px.Accepted(seq); na > 0 {
				pc.fail(pc.ballots.Accepted(seq, i, na, va, false))
			}
		}
	}
}

func (pc *pxCluster) acceptorState(px *paxos.Paxos, seq int) (np, na int, settled bool) {
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

func (pc *pxCluster) index(id node.ID) int {
	for i, x := range pc.ids {
		if x == id {
			return i
		}
	}
	return -1
}

// oracleError is the first oracle failure, for the invariant of every event.
func (pc *pxCluster) oracleError() error {
	if pc.oracle == nil {
		return nil
	}
	return fmt.Errorf("paxos: %w", pc.oracle)
}
