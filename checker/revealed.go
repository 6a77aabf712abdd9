package checker

import "fmt"

// Revealed checks that what a Raft-style server told others survives its
// crash. A server must make its term, its vote and the entries it
// acknowledges durable before it says so (Figure 2 of the Raft paper:
// "updated on stable storage before responding to RPCs"); the symptoms of
// one that does not (two leaders in a term, a committed entry lost) need a
// rare chain of events after the crash, while the cause is plain at the
// restart: the new incarnation holds less than the old one said.
//
// A harness records what a server revealed in every message that reached
// another (Term, Ack, Vote), and calls Check with the server's state when
// it restarts, and again whenever a message sent before its latest restart
// arrives. The rules allow what a correct server may do after saying
// something: move to a higher term, and replace acknowledged entries with
// those of a higher term's leader.
type Revealed struct {
	nodes map[int]*revealedNode
}

type revealedNode struct {
	term int // the highest term revealed
	// The latest acknowledgment (by when it was sent): the log held up
	// to index, whose entry had term then.
	ackSeq             uint64
	ackIndex, ackTerm  int
	voteSeq            uint64
	voteTerm, votedFor int // the latest vote granted, if voteTerm > 0
}

// NewRevealed returns a checker that has recorded nothing.
func NewRevealed() *Revealed { return &Revealed{nodes: map[int]*revealedNode{}} }

func (r *Revealed) node(n int) *revealedNode {
	x := r.nodes[n]
	if x == nil {
		x = &revealedNode{}
		r.nodes[n] = x
	}
	return x
}

// Term records that node revealed term: it sent a message carrying it as
// its current term.
func (r *Revealed) Term(node, term int) {
	x := r.node(node)
	x.term = max(x.term, term)
}

// Ack records that node acknowledged holding its log up to index, where
// its entry had term; seq orders the node's messages by when they were
// sent (an older acknowledgment arriving late does not replace a newer).
func (r *Revealed) Ack(node int, seq uint64, index, term int) {
	x := r.node(node)
	if seq >= x.ackSeq {
		x.ackSeq, x.ackIndex, x.ackTerm = seq, index, term
	}
}

// Vote records that node granted its vote in term to candidate.
func (r *Revealed) Vote(node int, seq uint64, term, candidate int) {
	x := r.node(node)
	if seq >= x.voteSeq {
		x.voteSeq, x.voteTerm, x.votedFor = seq, term, candidate
	}
}

// Check compares a server's state with what it revealed: its log (v), and,
// when known (voteKnown), the term of its vote and whom it voted for then
// (-1 for nobody).
func (r *Revealed) Check(v LogView, voteTerm, votedFor int, voteKnown bool) error {
	x := r.nodes[v.Node]
	if x == nil {
		return nil
	}
	if v.Term < x.term {
		return fmt.Errorf("server %d told others its term was %d, and now holds term %d: a term must be durable before a message carries it", v.Node, x.term, v.Term)
	}
	if x.ackIndex > 0 && x.ackIndex > v.FirstIndex {
		term, ok := v.TermAt(x.ackIndex)
		lastTerm, _ := v.TermAt(v.LastIndex)
		if (!ok || term < x.ackTerm) && lastTerm <= x.ackTerm {
			held := fmt.Sprintf("holds entries up to %d (the last of term %d)", v.LastIndex, lastTerm)
			if ok {
				held = fmt.Sprintf("holds entry %d of term %d", x.ackIndex, term)
			}
			return fmt.Errorf("server %d acknowledged holding its log up to entry %d (of term %d), and now %s: acknowledged entries must be durable before the acknowledgment is sent", v.Node, x.ackIndex, x.ackTerm, held)
		}
	}
	if voteKnown && x.voteTerm > 0 && v.Term == x.voteTerm && (voteTerm != x.voteTerm || votedFor != x.votedFor) {
		return fmt.Errorf("server %d granted its vote in term %d to server %d, and now in term %d says it voted for %d: a vote must be durable before it is granted", v.Node, x.voteTerm, x.votedFor, v.Term, votedFor)
	}
	return nil
}

// TermAt is the term of the entry at i, if the view holds it.
func (v LogView) TermAt(i int) (int, bool) {
	if i < v.FirstIndex || i > v.LastIndex {
		return 0, false
	}
	if v.Entry != nil {
		t, _, ok := v.Entry(i)
		return t, ok
	}
	if v.EntryData != nil {
		t, _, ok := v.EntryData(i)
		return t, ok
	}
	return 0, false
}
