package paxos

import (
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// The acceptor's side. A promise and an acceptance are written to the disk
// before anything leaves the node (send syncs first), so a restarted peer
// keeps them.

func (px *Paxos) onPrepare(env node.Env, from node.ID, m Prepare) {
	reply := PrepareReply{Seq: m.Seq, N: m.N}
	switch in, ok := px.inst[m.Seq]; {
	case m.Seq < px.Min():
		reply.Forgotten = true
	case ok && in.decided:
		reply.Decided, reply.VA = true, in.v
	default:
		in = px.get(m.Seq)
		px.seeProposal(m.N)
		if m.N > in.np {
			in.np = m.N
			px.store.appendPromise(env, m.Seq, m.N)
			reply.OK, reply.NA, reply.VA = true, in.na, in.va
		} else {
			env.Mark(markPromiseRefused)
			reply.Highest = in.np
		}
	}
	reply.Done = px.done[px.meIndex]
	px.reply(env, from, reply)
}

func (px *Paxos) onAccept(env node.Env, from node.ID, m Accept) {
	reply := AcceptReply{Seq: m.Seq, N: m.N}
	switch in, ok := px.inst[m.Seq]; {
	case m.Seq < px.Min():
		return // forgotten: whoever asks will learn it from Status elsewhere
	case ok && in.decided:
		px.reply(env, from, Decide{Seq: m.Seq, V: in.v, Done: px.done[px.meIndex]})
		return
	default:
		in = px.get(m.Seq)
		px.seeProposal(m.N)
		if m.N >= in.np {
			in.np, in.na, in.va = m.N, m.N, slices.Clone(m.V)
			px.store.appendAccept(env, m.Seq, m.N, m.V)
			reply.OK = true
		} else {
			env.Mark(markAcceptRefused)
			reply.Highest = in.np
		}
	}
	reply.Done = px.done[px.meIndex]
	px.reply(env, from, reply)
}

// reply answers a peer: over the network, or, to this peer's own
// proposer, by a direct call once the state it vouches for is durable.
func (px *Paxos) reply(env node.Env, to node.ID, msg any) {
	if to != px.me {
		px.send(env, to, msg)
		return
	}
	px.store.sync(env)
	switch m := msg.(type) {
	case PrepareReply:
		px.onPrepareReply(env, px.meIndex, m)
	case AcceptReply:
		px.onAcceptReply(env, px.meIndex, m)
	case Decide:
		px.learn(env, m.Seq, m.V)
	}
}

// learn records that seq is decided with v.
func (px *Paxos) learn(env node.Env, seq int, v []byte) {
	if seq < px.Min() {
		return
	}
	px.maxSeq = max(px.maxSeq, seq)
	px.known = max(px.known, seq)
	in := px.get(seq)
	if in.decided {
		return
	}
	in.decided, in.v, in.prop = true, slices.Clone(v), nil
	px.stats.Decided++
	px.store.appendDecide(env, seq, in.v)
	if px.cfg.Learned != nil {
		px.cfg.Learned(env, seq, in.v)
	}
}
