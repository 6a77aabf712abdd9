package harness

import (
	"fmt"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// What a Raft server says must survive its crash: its term, its vote, the
// entries it acknowledges (checker.Revealed). A message reveals something
// only once another server received it, so Revealed notes what each
// message reveals as it is sent (with the sender's incarnation and the
// term of the acknowledged entry then) and records it at delivery. It
// checks a server when it restarts, and again when a message from an
// incarnation before its latest arrives; and, from the votes delivered, a
// leader's election.

// Reveal is what one message tells of its sender's durable state; zero
// fields tell nothing.
type Reveal struct {
	// Term is the sender's current term, as the message carries it (0
	// for a message whose term is not the sender's own, such as a
	// pre-vote request's).
	Term int
	// Ack is the last index of the log the sender acknowledges holding
	// (a successful answer to the leader's entries, or an installed
	// snapshot).
	Ack int
	// VoteTerm is the term in which the sender grants the receiver its
	// vote (0: no vote granted).
	VoteTerm int
}

// RaftReveals is what a systems/raft message reveals of its sender: the
// term of every message but a pre-vote request's, a vote granted (not a
// pre-vote), and the entries a successful append or an installed snapshot
// acknowledges. It is the one place this is said, for the Raft catalogue
// (raftcat's Simlab) and for every service on Raft (Watch).
func RaftReveals(msg any) Reveal {
	switch m := msg.(type) {
	case raft.RequestVote:
		if m.PreVote {
			return Reveal{} // the term it asks about is not the candidate's yet
		}
		return Reveal{Term: m.Term}
	case raft.RequestVoteReply:
		if m.Granted && !m.PreVote {
			return Reveal{Term: m.Term, VoteTerm: m.ReqTerm}
		}
		return Reveal{Term: m.Term}
	case raft.AppendEntries:
		return Reveal{Term: m.Term}
	case raft.AppendEntriesReply:
		if m.Success {
			return Reveal{Term: m.Term, Ack: m.MatchIndex}
		}
		return Reveal{Term: m.Term}
	case raft.InstallSnapshot:
		return Reveal{Term: m.Term}
	case raft.InstallSnapshotReply:
		return Reveal{Term: m.Term, Ack: m.LastIncludedIndex}
	}
	return Reveal{}
}

// RevealingServer is a running incarnation of a Raft server as Revealed
// reads it: its log as the checker sees it. One that also says whom it
// voted for (a Vote() (term int, votedFor node.ID) method, node.None for
// nobody) has its vote checked too.
type RevealingServer interface {
	Log() checker.LogView
}

// voter is a RevealingServer that says whom it voted for.
type voter interface {
	Vote() (term int, votedFor node.ID)
}

// Revealed feeds checker.Revealed from a group of Raft servers, whatever
// Raft they run and whatever service runs on it. Call Sent for every
// message a server sends, Delivered for every message that reaches one
// (before it, or a broken variant's wrapper, sees it), Check when a
// server restarts (once its Start took effect) and Elected for a server
// that leads.
type Revealed struct {
	w           *sim.World
	ids         []node.ID
	reveals     func(msg any) Reveal
	key         func(msg any) any
	incarnation func(id node.ID) uint64
	server      func(id node.ID) (RevealingServer, bool)
	check       *checker.Revealed
	sent        map[revealKey]sentReveal
	sends       uint64 // messages that revealed something, in the order sent
	// votes lists, by term and candidate, the servers whose vote for it
	// in that term reached it; elected, the terms whose leader was
	// checked to hold a majority of them.
	votes   map[int]map[node.ID]map[node.ID]bool
	elected map[int]bool
}

// NewRevealed watches the servers ids of w. reveals says what a message
// reveals of its sender; key identifies a message, so that a delivery
// finds what was noted at its sending (nil for a message that reveals
// nothing; a comparable value, which two messages share only if they
// reveal alike); incarnation is a server's current incarnation, and
// server its running incarnation (false if it is down).
func NewRevealed(w *sim.World, ids []node.ID, reveals func(msg any) Reveal, key func(msg any) any,
	incarnation func(id node.ID) uint64, server func(id node.ID) (RevealingServer, bool)) *Revealed {
	return &Revealed{w: w, ids: ids, reveals: reveals, key: key, incarnation: incarnation, server: server,
		check: checker.NewRevealed(), sent: map[revealKey]sentReveal{},
		votes: map[int]map[node.ID]map[node.ID]bool{}, elected: map[int]bool{}}
}

// revealKey finds, at delivery, what a message noted at sending.
type revealKey struct {
	from, to node.ID
	msg      any // the message's key
}

// sentReveal is what one sent message reveals.
type sentReveal struct {
	Reveal
	incarnation uint64
	seq         uint64 // the order sent
	ackTerm     int    // the term of the acknowledged entry when sent
}

// Sent notes what msg, sent by server from (its running incarnation srv)
// to to, reveals, for when it is delivered.
func (r *Revealed) Sent(from, to node.ID, srv RevealingServer, msg any) {
	if msg == nil {
		return
	}
	rv := r.reveals(msg)
	if rv == (Reveal{}) {
		return
	}
	r.sends++
	s := sentReveal{Reveal: rv, incarnation: r.incarnation(from), seq: r.sends}
	if rv.Ack > 0 {
		if t, ok := srv.Log().TermAt(rv.Ack); ok {
			s.ackTerm = t
		} else {
			s.Ack = 0 // not in the log as a term the checker can read
		}
	}
	r.sent[revealKey{from, to, r.key(msg)}] = s
}

// Delivered records what msg, delivered from server from to server to,
// revealed of its sender, and checks the sender now if it has restarted
// since it sent it. It returns the term in which msg granted to its vote
// (0 if it granted none, or was not noted at sending), and the sender's
// failure to hold what it said.
func (r *Revealed) Delivered(from, to node.ID, msg any) (voteTerm int, err error) {
	if msg == nil {
		return 0, nil
	}
	k := r.key(msg)
	if k == nil {
		return 0, nil
	}
	s, ok := r.sent[revealKey{from, to, k}]
	if !ok {
		return 0, nil
	}
	r.check.Term(int(from), s.Term)
	if s.Ack > 0 {
		r.check.Ack(int(from), s.seq, s.Ack, s.ackTerm)
	}
	if s.VoteTerm > 0 {
		r.check.Vote(int(from), s.seq, s.VoteTerm, int(to))
		byCandidate := r.votes[s.VoteTerm]
		if byCandidate == nil {
			byCandidate = map[node.ID]map[node.ID]bool{}
			r.votes[s.VoteTerm] = byCandidate
		}
		if byCandidate[to] == nil {
			byCandidate[to] = map[node.ID]bool{}
		}
		byCandidate[to][from] = true
	}
	if s.incarnation != r.incarnation(from) {
		if srv, up := r.server(from); up {
			err = r.Check(from, srv)
		}
	}
	return s.VoteTerm, err
}

// Check compares server id's running incarnation srv with what its
// earlier incarnations revealed.
func (r *Revealed) Check(id node.ID, srv RevealingServer) error {
	v := srv.Log()
	v.Node = int(id)
	var voteTerm, votedFor int
	vt, known := srv.(voter)
	if known {
		t, by := vt.Vote()
		voteTerm, votedFor = t, int(by)
	}
	if err := r.check.Check(v, voteTerm, votedFor, known); err != nil {
		return fmt.Errorf("what a server said did not survive its restart: %s (%v)", r.w.Name(id), err)
	}
	return nil
}

// Elected requires server id, which leads term, to have been granted the
// votes of a majority in that term (its own included): a vote that reached
// it, granted in that term. An implementation that counts a vote granted in
// an earlier term, or one it never got, leads without them.
func (r *Revealed) Elected(id node.ID, term int) error {
	if r.elected[term] {
		return nil
	}
	voters := r.votes[term][id]
	got := 1 // its own
	var names []string
	for _, v := range r.ids {
		if voters[v] && v != id {
			got++
			names = append(names, r.w.Name(v))
		}
	}
	if majority := len(r.ids)/2 + 1; got < majority {
		return fmt.Errorf("election: %s leads term %d with %d of the votes a majority needs (%d): only %v granted it their vote in that term", r.w.Name(id), term, got, majority, names)
	}
	r.elected[term] = true
	return nil
}

// --- for Watch: servers on systems/raft ----------------------------------

// raftMessageKey identifies a systems/raft message for Revealed: the
// message itself when it is comparable; for an append or a snapshot, what
// tells it from another of the same sender to the same receiver without
// its entries' or snapshot's data (printing those would cost as much as
// the service's values, at every send). Two that share a key come from a
// leader of the same term and reveal alike.
func raftMessageKey(msg any) any {
	switch m := msg.(type) {
	case raft.RequestVote, raft.RequestVoteReply, raft.AppendEntriesReply, raft.InstallSnapshotReply:
		return msg
	case raft.AppendEntries:
		k := appendKey{term: m.Term, leader: m.Leader, prevIndex: m.PrevLogIndex, prevTerm: m.PrevLogTerm,
			commit: m.LeaderCommit, entries: len(m.Entries)}
		if n := len(m.Entries); n > 0 {
			k.lastIndex, k.lastTerm = m.Entries[n-1].Index, m.Entries[n-1].Term
		}
		return k
	case raft.InstallSnapshot:
		return snapshotKey{term: m.Term, leader: m.Leader, index: m.LastIncludedIndex, lastTerm: m.LastIncludedTerm, chain: m.Chain, size: len(m.Data)}
	}
	return nil
}

type appendKey struct {
	term                int
	leader              node.ID
	prevIndex, prevTerm int
	commit, entries     int
	lastIndex, lastTerm int
}

type snapshotKey struct {
	term            int
	leader          node.ID
	index, lastTerm int
	chain           uint64
	size            int
}

// raftServer is a running systems/raft server as Revealed reads it.
type raftServer struct{ rf *raft.Raft }

func (s raftServer) Log() checker.LogView { return RaftView(s.rf) }

func (s raftServer) Vote() (int, node.ID) {
	st := s.rf.Status()
	return st.Term, st.VotedFor
}

// revealHost is a server's handler on Raft, watched for what it reveals
// (Watch.Factory): a message is recorded as it reaches the server, before
// the server (or a broken variant's wrapper) sees it, and noted as the
// server sends it; the server is checked once its restart took effect.
type revealHost struct {
	g       *Watch
	id      node.ID
	h       node.Handler
	started bool // has handled its Start: its Raft is booted
}

// Unwrap is the handler inside, for node.Unwrap.
func (h *revealHost) Unwrap() node.Handler { return h.h }

func (h *revealHost) Handle(env node.Env, ev node.Event) {
	if m, ok := ev.(*node.Recv); ok {
		_, err := h.g.revealed.Delivered(m.From, h.id, m.Msg)
		h.g.revealFailed(err)
	}
	h.h.Handle(revealEnv{Env: env, h: h}, ev)
	if st, ok := ev.(*node.Start); ok {
		// Booted (not refused over a damaged disk, which panics out of
		// Handle): the new incarnation must hold what the old ones said.
		h.started = true
		if srv, up := h.g.revealingServer(h.id); up && st.Restarted {
			h.g.revealFailed(h.g.revealed.Check(h.id, srv))
		}
	}
}

// revealEnv notes what a server on Raft sends.
type revealEnv struct {
	node.Env
	h *revealHost
}

func (e revealEnv) Send(to node.ID, msg any) {
	if rf := e.h.raft(); rf != nil {
		e.h.g.revealed.Sent(e.h.id, to, raftServer{rf}, msg)
	}
	e.Env.Send(to, msg)
}

// raft is the Raft of the server inside h, nil if none.
func (h *revealHost) raft() *raft.Raft {
	if r, ok := node.Unwrap(h.h).(Replica); ok {
		return r.Raft()
	}
	return nil
}
