package paxos

import (
	"bytes"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// The proposer's side. A round first asks a bare majority (this peer and
// the peers after it in Config.Peers), which is all an uncontended round
// needs; after a timeout or a refusal it asks everyone, with a higher
// proposal number, after a random backoff that doubles each attempt.

// seeProposal notes a proposal number, so this peer's next one is higher.
func (px *Paxos) seeProposal(n int) {
	if n > 0 {
		px.maxRound = max(px.maxRound, (n-1)/len(px.cfg.Peers))
	}
}

// nextN is a proposal number above every one seen, unique to this peer.
func (px *Paxos) nextN() int {
	px.maxRound++
	return px.maxRound*len(px.cfg.Peers) + px.meIndex + 1
}

// begin starts a round for seq: phase 1 to a majority, or to all.
func (px *Paxos) begin(env node.Env, seq int, in *instance, all bool) {
	p := in.prop
	p.gen++
	p.n, p.phase, p.all = px.nextN(), 1, all
	p.oks = make([]bool, len(px.cfg.Peers))
	p.askedFor = make([]bool, len(px.cfg.Peers))
	p.bestNA, p.bestVA, p.acceptV = 0, nil, nil
	px.stats.Proposals++
	if all {
		env.Mark(markRoundToAll)
	}
	env.SetTimer(px.backoff(env, p.gen), retryTick{Seq: seq, Gen: p.gen})
	for _, i := range px.targets(all) {
		p.askedFor[i] = true
		msg := Prepare{Seq: seq, N: p.n, Done: px.done[px.meIndex]}
		if i == px.meIndex {
			px.onPrepare(env, px.me, msg)
		} else {
			px.send(env, px.cfg.Peers[i], msg)
		}
		if in.prop != p || p.phase != 1 {
			return // decided, or on to phase 2, by this peer's own reply
		}
	}
}

// targets are the peer indices a phase is sent to: everyone, or this peer
// and the next majority−1 after it.
func (px *Paxos) targets(all bool) []int {
	n := len(px.cfg.Peers)
	k := px.majority()
	if all {
		k = n
	}
	out := make([]int, 0, k)
	for j := 0; j < k; j++ {
		out = append(out, (px.meIndex+j)%n)
	}
	return out
}

func (px *Paxos) backoff(env node.Env, attempt int) time.Duration {
	bound := px.cfg.RetryMin << min(attempt-1, 10)
	bound = min(bound, px.cfg.RetryMax)
	return env.Rand().Duration(bound/2, bound)
}

func (px *Paxos) onPrepareReply(env node.Env, from int, m PrepareReply) {
	in, ok := px.inst[m.Seq]
	if !ok || in.prop == nil {
		return
	}
	p := in.prop
	switch {
	case m.Decided:
		env.Mark(markLearnedByProposing)
		px.learn(env, m.Seq, m.VA)
		return
	case m.Forgotten:
		// Below the acceptor's Min: every peer was done with it and with
		// everything below it, so it is forgotten here too, even by a peer
		// that restarted and has not heard every peer's Done since (its
		// own Min would wait for a peer that may have nothing to send it,
		// and the instance would stay pending here for ever).
		in.prop = nil
		px.forgetBelow(env, m.Seq+1)
		return
	case m.N != p.n || p.phase != 1:
		return // an older round's
	case !m.OK:
		px.seeProposal(m.Highest)
		return // the retry timer starts a higher round
	}
	if p.oks[from] {
		return // a duplicate
	}
	p.oks[from] = true
	if m.NA > p.bestNA {
		p.bestNA, p.bestVA = m.NA, m.VA
	}
	if count(p.oks) < px.majority() {
		return
	}
	// Phase 2, with the value of the highest proposal a promiser had
	// accepted, or this peer's own.
	v := p.value
	if p.bestNA > 0 {
		v = p.bestVA
		if !bytes.Equal(v, p.value) {
			env.Mark(markAdoptedAccepted)
		}
	}
	p.phase, p.acceptV = 2, v
	promised := p.oks
	p.oks = make([]bool, len(px.cfg.Peers))
	for i := range promised {
		if !promised[i] && !p.all {
			continue // a thrifty round asks the acceptors that promised
		}
		msg := Accept{Seq: m.Seq, N: p.n, V: v, Done: px.done[px.meIndex]}
		if i == px.meIndex {
			px.onAccept(env, px.me, msg)
		} else {
			px.send(env, px.cfg.Peers[i], msg)
		}
		if in.prop != p || p.phase != 2 {
			return
		}
	}
}

func (px *Paxos) onAcceptReply(env node.Env, from int, m AcceptReply) {
	in, ok := px.inst[m.Seq]
	if !ok || in.prop == nil {
		return
	}
	p := in.prop
	if m.N != p.n || p.phase != 2 {
		return
	}
	if !m.OK {
		px.seeProposal(m.Highest)
		return
	}
	if p.oks[from] {
		return
	}
	p.oks[from] = true
	if count(p.oks) < px.majority() {
		return
	}
	v := p.acceptV
	px.learn(env, m.Seq, v)
	env.Mark(markDecidedHere)
	px.broadcast(env, Decide{Seq: m.Seq, V: v, Done: px.done[px.meIndex]})
}

// onRetry starts a new round for an instance still undecided when its
// attempt's timer fires.
func (px *Paxos) onRetry(env node.Env, t retryTick) {
	in, ok := px.inst[t.Seq]
	if !ok || in.decided || in.prop == nil || in.prop.gen != t.Gen || t.Seq < px.Min() {
		return
	}
	px.begin(env, t.Seq, in, true)
}

func count(oks []bool) int {
	n := 0
	for _, ok := range oks {
		if ok {
			n++
		}
	}
	return n
}
