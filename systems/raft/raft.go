package raft

import (
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Role is a server's role.
type Role int

// The roles. PreCandidate is a follower running a pre-vote (Config.PreVote).
const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[r]
}

// Raft is one server's consensus state. Build it with New in the host's
// factory; it is not safe for concurrent use (nothing in a node is).
type Raft struct {
	cfg   Config
	svc   Service
	me    node.ID
	peers []node.ID // the other servers, sorted

	// Persistent state (Figure 2).
	term     int
	votedFor node.ID
	log      raftLog
	store    storage

	// Volatile state.
	role        Role
	leader      node.ID
	commitIndex int
	lastApplied int
	applying    bool

	// Elections.
	votes             map[node.ID]bool
	electionGen       uint64
	electionTimer     node.TimerID
	lastLeaderContact time.Duration // local clock; -1: never
	booted            bool

	// Leaders.
	nextIndex     map[node.ID]int
	matchIndex    map[node.ID]int
	lastAck       map[node.ID]time.Duration
	leaderSince   time.Duration
	heartbeatGen  uint64
	heartbeatTime node.TimerID
	// awaiting holds, for each follower sent a request (AppendEntries or
	// a snapshot) not answered yet, the PrevLogIndex of the latest one.
	// Entries appended meanwhile wait for its answer and go together in
	// the next request: Raft batches by what is pending when a follower is
	// free, not by the timing of Starts, so it batches alike under any
	// runtime. Only the answer to the latest request frees a follower: if
	// answers to older ones did, a busy leader would fall into sending one
	// entry per answer. A heartbeat goes regardless, so a lost request or
	// answer delays a follower by one heartbeat at most.
	awaiting map[node.ID]int

	stats Stats
}

// Stats counts what this incarnation did, for scenarios and tests.
type Stats struct {
	SnapshotsSent      int // InstallSnapshot messages sent as leader
	SnapshotsInstalled int // snapshots received from a leader and installed
	// MessagesSent counts every Raft message sent, requests and replies;
	// AppendEntriesSent the AppendEntries among them, and EntriesSent
	// the entries they carried (EntriesSent / AppendEntriesSent is the
	// batch size).
	MessagesSent      int
	AppendEntriesSent int
	EntriesSent       int
}

// Stats returns the incarnation's counters.
func (r *Raft) Stats() Stats { return r.stats }

// New returns a Raft server with the given configuration that hands
// committed commands and snapshots to svc. It panics on an invalid
// configuration (see Config.Validate), a programming error.
func New(cfg Config, svc Service) *Raft {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	return &Raft{
		cfg:               cfg,
		svc:               svc,
		votedFor:          node.None,
		leader:            node.None,
		store:             storage{prefix: cfg.FilePrefix},
		lastLeaderContact: -1,
	}
}

// Handle processes an event of the hosting node and reports whether it was
// Raft's: Raft's messages and timers are consumed; everything else is the
// host's. On *node.Start, Handle restores Raft's persisted state, delivers
// the persisted snapshot to the service and returns false, so the host may
// act on Start too: it should reset its service state before passing Start
// on.
func (r *Raft) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Start:
		r.boot(env)
		return false
	case *node.Timeout:
		switch t := ev.Tag.(type) {
		case electionTick:
			if t.Gen == r.electionGen {
				r.electionTimeout(env)
			}
			return true
		case heartbeatTick:
			if t.Gen == r.heartbeatGen && r.role == Leader {
				r.heartbeat(env)
			}
			return true
		}
	case *node.Recv:
		if !r.booted {
			return r.isRaftMessage(ev.Msg)
		}
		switch m := ev.Msg.(type) {
		case RequestVote:
			r.handleRequestVote(env, ev.From, m)
		case RequestVoteReply:
			r.handleRequestVoteReply(env, ev.From, m)
		case AppendEntries:
			r.handleAppendEntries(env, ev.From, m)
		case AppendEntriesReply:
			r.handleAppendEntriesReply(env, ev.From, m)
		case InstallSnapshot:
			r.handleInstallSnapshot(env, ev.From, m)
		case InstallSnapshotReply:
			r.handleInstallSnapshotReply(env, ev.From, m)
		default:
			return false
		}
		return true
	}
	return false
}

func (r *Raft) isRaftMessage(msg any) bool {
	switch msg.(type) {
	case RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, InstallSnapshot, InstallSnapshotReply:
		return true
	}
	return false
}

func (r *Raft) boot(env node.Env) {
	r.me = env.Self()
	r.peers = nil
	for _, p := range r.cfg.Peers {
		if p != r.me {
			r.peers = append(r.peers, p)
		}
	}
	slices.Sort(r.peers)
	if len(r.peers) == len(r.cfg.Peers) {
		panic(fmt.Sprintf("raft: node %v is not in Config.Peers %v", r.me, r.cfg.Peers))
	}
	r.restore(env)
	r.commitIndex, r.lastApplied = r.log.base, r.log.base
	r.booted = true
	if r.log.base > 0 {
		r.svc.ApplySnapshot(env, r.log.base, r.log.baseTerm, r.store.snapshot)
	}
	r.resetElectionTimer(env)
	if len(r.peers) == 0 {
		r.electionTimeout(env) // a cluster of one elects itself at once
	}
}

// Start proposes command for the log. If this server is the leader it
// appends the command, makes it durable and starts replicating it, and
// returns the index it will have if it is ever committed, the current
// term and true; otherwise it returns false and does nothing. Commitment is
// learnt through Service.ApplyCommand.
func (r *Raft) Start(env node.Env, command any) (index, term int, isLeader bool) {
	if r.role != Leader {
		return 0, r.term, false
	}
	data, err := r.cfg.Codec.Encode(command)
	if err != nil {
		panic(fmt.Sprintf("raft: command %T does not encode: %v (register it with gob.Register, or set Config.Codec)", command, err))
	}
	r.log.append(r.term, command, data)
	index = r.log.lastIndex()
	r.appendToDisk(env, index)
	r.matchIndex[r.me] = index
	// Send it to every follower not busy with an earlier request; the
	// others get it, with whatever else is appended by then, when they
	// answer.
	for _, p := range r.peers {
		if _, busy := r.awaiting[p]; !busy {
			r.sendAppend(env, p)
		}
	}
	r.advanceCommit(env)
	return index, r.term, true
}

// State returns the current term and whether this server believes it is
// the leader.
func (r *Raft) State() (term int, isLeader bool) { return r.term, r.role == Leader }

// Leader returns the leader this server knows of in its term, or node.None.
func (r *Raft) Leader() node.ID { return r.leader }

// Status is a server's state as the invariant checkers see it.
type Status struct {
	ID          node.ID
	Term        int
	Role        Role
	Leader      node.ID
	VotedFor    node.ID
	CommitIndex int
	LastApplied int
	FirstIndex  int // the snapshot's last included index; the log holds (FirstIndex, LastIndex]
	LastIndex   int
}

// Status returns the server's state.
func (r *Raft) Status() Status {
	return Status{ID: r.me, Term: r.term, Role: r.role, Leader: r.leader, VotedFor: r.votedFor,
		CommitIndex: r.commitIndex, LastApplied: r.lastApplied, FirstIndex: r.log.base, LastIndex: r.log.lastIndex()}
}

// EntryAt returns the term and chain hash of the entry at index i, for
// FirstIndex ≤ i ≤ LastIndex (at FirstIndex, those of the snapshot's last
// included entry). The chain hash covers the whole log up to i, so two
// servers whose chain hashes agree at i hold the same log up to i.
func (r *Raft) EntryAt(i int) (term int, chain uint64, ok bool) {
	t, ok := r.log.term(i)
	c, _ := r.log.chain(i)
	return t, c, ok
}

// Command returns the command at index i, for FirstIndex < i ≤ LastIndex.
func (r *Raft) Command(i int) (any, bool) {
	if i <= r.log.base || i > r.log.lastIndex() {
		return nil, false
	}
	return r.log.at(i).command, true
}

// ElectionTimeoutMax is the configured upper bound of the election timeout.
func (r *Raft) ElectionTimeoutMax() time.Duration { return r.cfg.ElectionTimeoutMax }

// PersistedSize is the size in bytes of Raft's persisted state without the
// snapshot: what a service watches to decide when to snapshot.
func (r *Raft) PersistedSize() int { return r.store.metaSize + r.store.logSize }

// SnapshotSize is the size in bytes of the current snapshot.
func (r *Raft) SnapshotSize() int { return len(r.store.snapshot) }

// send sends msg after syncing whatever it depends on.
func (r *Raft) send(env node.Env, to node.ID, msg any) {
	r.flush(env)
	r.stats.MessagesSent++
	if m, ok := msg.(AppendEntries); ok {
		r.stats.AppendEntriesSent++
		r.stats.EntriesSent += len(m.Entries)
	}
	env.Send(to, msg)
}

func (r *Raft) majority() int { return (len(r.peers)+1)/2 + 1 }
