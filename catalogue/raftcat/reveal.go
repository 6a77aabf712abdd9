package raftcat

import (
	"fmt"
	"reflect"

	"github.com/simlab-go/simlab/sim/node"
)

// What a server says must survive its crash: its term, its vote, the
// entries it acknowledges (checker.Revealed). A message reveals something
// only once another server received it, so the harness notes what each
// message reveals as it is sent (with the sender's incarnation and the
// term of the acknowledged entry then) and records it at delivery. It
// checks a server when it restarts, and again when a message from an
// incarnation before its latest arrives.

// revealKey finds, at delivery, what a message noted at sending.
type revealKey struct {
	from, to node.ID
	msg      any // the message, or its printed form if it is not comparable
}

// revealID is what identifies msg in a revealKey: itself, or, for a type
// that cannot be a map key (bytes on a wire, say), its printed form; two
// messages that print alike reveal alike.
func revealID(msg any) any {
	if reflect.TypeOf(msg).Comparable() {
		return msg
	}
	return fmt.Sprintf("%T%#v", msg, msg)
}

// sentReveal is what one sent message reveals.
type sentReveal struct {
	Reveal
	incarnation uint64
	seq         uint64 // the sender's messages, in the order sent
	ackTerm     int    // the term of the acknowledged entry when sent
}

// revealEnv notes what every message a server sends reveals.
type revealEnv struct {
	node.Env
	h *raftHost
}

func (e revealEnv) Send(to node.ID, msg any) {
	e.h.rc.noteSent(e.h, to, msg)
	e.Env.Send(to, msg)
}

// noteSent notes what msg reveals of h, for when it is delivered.
func (rc *raftCluster) noteSent(h *raftHost, to node.ID, msg any) {
	if rc.impl.Reveals == nil || msg == nil {
		return
	}
	r := rc.impl.Reveals(msg)
	if r == (Reveal{}) {
		return
	}
	h.sent++
	s := sentReveal{Reveal: r, incarnation: rc.boots[h.id], seq: h.sent}
	if r.Ack > 0 {
		v := h.srv.Log()
		if t, ok := v.TermAt(r.Ack); ok {
			s.ackTerm = t
		} else {
			s.Ack = 0 // not in the log as a term the checker can read
		}
	}
	rc.sentReveals[revealKey{h.id, to, revealID(msg)}] = s
}

// delivered records what a delivered message revealed of its sender, and
// checks the sender now if it has restarted since it sent it.
func (rc *raftCluster) delivered(from, to node.ID, msg any) {
	if rc.impl.Reveals == nil || msg == nil {
		return
	}
	s, ok := rc.sentReveals[revealKey{from, to, revealID(msg)}]
	if !ok {
		return
	}
	rc.revealed.Term(int(from), s.Term)
	seq := s.incarnation<<32 | s.seq
	if s.Ack > 0 {
		rc.revealed.Ack(int(from), seq, s.Ack, s.ackTerm)
	}
	if s.VoteTerm > 0 {
		rc.revealed.Vote(int(from), seq, s.VoteTerm, int(to))
		byCandidate := rc.votes[s.VoteTerm]
		if byCandidate == nil {
			byCandidate = map[node.ID]map[node.ID]bool{}
			rc.votes[s.VoteTerm] = byCandidate
		}
		if byCandidate[to] == nil {
			byCandidate[to] = map[node.ID]bool{}
		}
		byCandidate[to][from] = true
		if h, up := rc.host(to); up {
			if term, _ := h.srv.State(); term > s.VoteTerm {
				rc.staleVotes++
			}
		}
	}
	if s.incarnation != rc.boots[from] {
		if h, up := rc.host(from); up {
			rc.checkRevealed(h)
		}
	}
}

// checkRevealed compares h's state with what its earlier incarnations
// revealed.
func (rc *raftCluster) checkRevealed(h *raftHost) {
	if rc.failure != nil || rc.impl.Reveals == nil {
		return
	}
	v := h.srv.Log()
	v.Node = int(h.id)
	var voteTerm, votedFor int
	voter, known := h.srv.(Voter)
	if known {
		t, id := voter.Vote()
		voteTerm, votedFor = t, int(id)
	}
	if err := rc.revealed.Check(v, voteTerm, votedFor, known); err != nil {
		rc.failure = fmt.Errorf("what a server said did not survive its restart: %s (%v)", rc.w.Name(h.id), err)
	}
}

// checkElected requires a server that leads term to have been granted the
// votes of a majority in that term (its own included): a vote that reached
// it, granted in that term. An implementation that counts a vote granted in
// an earlier term, or one it never got, leads without them.
func (rc *raftCluster) checkElected(id node.ID, term int) error {
	if rc.impl.Reveals == nil || rc.elected[term] {
		return nil
	}
	voters := rc.votes[term][id]
	got := 1 // its own
	var names []string
	for _, v := range rc.ids {
		if voters[v] && v != id {
			got++
			names = append(names, rc.w.Name(v))
		}
	}
	if majority := len(rc.ids)/2 + 1; got < majority {
		return fmt.Errorf("election: %s leads term %d with %d of the votes a majority needs (%d): only %v granted it their vote in that term", rc.w.Name(id), term, got, majority, names)
	}
	rc.elected[term] = true
	return nil
}
