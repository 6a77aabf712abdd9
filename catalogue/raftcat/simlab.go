package raftcat

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// Simlab is simlab's own Raft (systems/raft) as an Impl: the generic
// catalogue registered under raft/.
var Simlab = Impl{
	Name:     "raft",
	Title:    "simlab's Raft",
	MsgTypes: []string{"RequestVoteReply", "AppendEntriesReply", "InstallSnapshotReply", "RequestVote"},
	New: func(cfg Config, app Applier) Server {
		s := &simlabServer{app: app}
		s.rf = raft.New(raft.Config{Peers: cfg.Peers, PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum}, s)
		return s
	},
	Classify: func(msg any) (string, bool) {
		if r, ok := msg.(raft.AppendEntriesReply); ok {
			return "AppendEntriesReply", !r.Success
		}
		return strings.TrimPrefix(fmt.Sprintf("%T", msg), "raft."), false
	},
	Reveals: harness.RaftReveals,
}

func init() {
	Register(Simlab)
	scenarios.Register(scenarios.Scenario{
		Name: "raft/message-count",
		Summary: "3 servers, counting requests only: electing a leader takes ≤ 30, committing 10 commands ≤ 42, " +
			"an idle second ≤ 60 (simlab's Raft only: the lab's bounds for its message types, and its batching of what is appended while a follower is busy)",
		Run:           runMessageCount,
		FixedFaults:   "its counts are the lab's bounds for a network that loses nothing",
		FixedStrategy: "its counts assume no message is held back: a held-back answer costs retries, and a held-back heartbeat an election",
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/stale-replies",
		Summary: "5 servers, clients starting commands all along; for 6 s, 90% of vote replies held back 400 ms on " +
			"average and 30% of append replies 150 ms (up to 2 s), 30% of both duplicated, while the leader is cut off " +
			"for 0.2–0.6 s every 0.2–0.5 s so that terms move on: replies arrive after the term they answered (if no " +
			"granted vote has reached its candidate late by then, the faults go on, up to 50 more cut-offs, until one " +
			"has); every leader holds the votes of a majority granted in its term; then calm: a new command commits on " +
			"all within 10 s and every command a client saw committed is in the log (simlab's Raft only: it aims " +
			"at its reply types)",
		Run: func(c *scenarios.Case) { runStaleReplies(c, Simlab) },
	})
}

// runStaleReplies holds back and duplicates Raft's replies, and moves the
// term on under them, so that a vote or an acknowledgment meets a term
// later than the one it answered: an implementation that takes it for a
// current one counts a stale vote, or a stale match. If no granted vote
// has reached its candidate late by the end of the 6 s, the same faults go
// on, a cut-off of the leader at a time, until one has.
func runStaleReplies(c *scenarios.Case, impl Impl) {
	rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
	const faultEnd = 6 * time.Second
	s := staleReplyFaults(100 * time.Millisecond)
	r := c.Rand("faults")
	for t := 500 * time.Millisecond; ; {
		t += staleGap(r)
		back := t + staleCut(r)
		if back >= faultEnd {
			break
		}
		s = append(s, scenarios.Action{At: t, Op: "isolate", Args: []string{"leader"}}, scenarios.Action{At: back, Op: "heal"})
		t = back
	}
	s = append(s, scenarios.Action{At: faultEnd, Op: "calm"})
	c.Apply(rc.w, s)
	drive := c.Rand("stale-replies")
	clients := &raftClients{rc: rc, r: c.Rand("clients")}
	clients.driveUntil(drive, faultEnd)
	rc.Run(faultEnd - rc.w.Now() + time.Millisecond) // past calm
	untilStaleVote(c, rc, clients, r, drive)
	agreeAfterCalm(c, rc, clients, drive)
	clients.requireSeen(c)
}

// staleReplyFaults aims at simlab's Raft's replies from at on: 90% of vote
// replies held back 400 ms on average and 30% of append replies 150 ms
// (up to 2 s), 30% of both duplicated.
func staleReplyFaults(at time.Duration) scenarios.Schedule {
	var s scenarios.Schedule
	for _, a := range []struct{ typ, p, mean string }{{"raft.RequestVoteReply", "0.9", "400ms"}, {"raft.AppendEntriesReply", "0.3", "150ms"}} {
		s = append(s,
			scenarios.Action{At: at, Op: "msgdelay", Args: []string{a.typ, a.p, a.mean, "2s"}},
			scenarios.Action{At: at, Op: "msgdup", Args: []string{a.typ, "0.3"}})
	}
	return s
}

// staleGap and staleCut draw the time between two cut-offs of the leader
// (0.2–0.5 s) and the length of one (0.2–0.6 s).
func staleGap(r *node.Rand) time.Duration {
	return r.Duration(200*time.Millisecond, 500*time.Millisecond).Round(time.Millisecond)
}

func staleCut(r *node.Rand) time.Duration {
	return r.Duration(200*time.Millisecond, 600*time.Millisecond).Round(time.Millisecond)
}

// staleRounds bounds the cut-offs untilStaleVote adds. Measured over seeds
// 1–200, random and PCT: 20 of the 400 runs had no late vote by 6 s, and
// each needed 1 to 11 more cut-offs (4 on average, so about one in four
// brings one). Fifty leave a correct Raft about one chance in ten million
// per run of failing for want of a late vote.
const staleRounds = 50

// untilStaleVote goes on with raft/stale-replies' faults after their calm,
// clients starting commands all along, until a vote granted in one term
// has reached its candidate in a later one (at most staleRounds cut-offs of
// the leader), then calls calm again; and fails the run if none has. The
// cut-offs are drawn from r, the clients' pauses from drive.
func untilStaleVote(c *scenarios.Case, rc *raftCluster, clients *raftClients, r, drive *node.Rand) {
	if rc.staleVotes > 0 {
		return
	}
	for _, a := range staleReplyFaults(0) {
		rc.Fault(a.Op, a.Args...)
	}
	rounds := 0
	for ; rounds < staleRounds && rc.staleVotes == 0; rounds++ {
		clients.driveUntil(drive, rc.w.Now()+staleGap(r))
		rc.Fault("isolate", "leader")
		clients.driveUntil(drive, rc.w.Now()+staleCut(r))
		rc.Fault("heal")
	}
	rc.restoreAll()
	c.Reportf("no granted vote reached its candidate late in the first 6 s: the faults went on for %d more cut-offs of the leader", rounds)
	if rc.staleVotes == 0 && !c.FaultsReplaced() {
		c.Failf("no granted vote reached its candidate after the term it was granted in, in 6 s and %d more cut-offs of the leader: the scenario did not test stale replies", staleRounds)
	}
}

// simlabServer adapts *raft.Raft to Server; it is also the raft.Service
// that forwards what Raft commits to the catalogue's Applier.
type simlabServer struct {
	rf  *raft.Raft
	app Applier
}

func (s *simlabServer) Handle(env node.Env, ev node.Event) { s.rf.Handle(env, ev) }

func (s *simlabServer) Start(env node.Env, command []byte) (int, int, bool) {
	return s.rf.Start(env, command)
}

func (s *simlabServer) State() (int, bool) { return s.rf.State() }

// Vote implements Voter.
func (s *simlabServer) Vote() (int, node.ID) {
	st := s.rf.Status()
	return st.Term, st.VotedFor
}

func (s *simlabServer) Log() checker.LogView { return harness.RaftView(s.rf) }

func (s *simlabServer) Snapshot(env node.Env, index int, snap []byte) {
	s.rf.Snapshot(env, index, snap)
}

func (s *simlabServer) PersistedSize() int { return s.rf.PersistedSize() }

func (s *simlabServer) ElectionTimeoutMax() time.Duration { return s.rf.ElectionTimeoutMax() }

// ApplyCommand implements raft.Service.
func (s *simlabServer) ApplyCommand(env node.Env, index, term int, cmd any) {
	b, ok := cmd.([]byte)
	if !ok {
		panic(fmt.Sprintf("raftcat: applied a %T; the catalogue starts []byte commands only", cmd))
	}
	s.app.ApplyCommand(env, index, term, b)
}

// ApplySnapshot implements raft.Service.
func (s *simlabServer) ApplySnapshot(env node.Env, index, term int, snap []byte) {
	s.app.ApplySnapshot(env, index, term, snap)
}

// requestCounter counts the requests simlab's Raft sends (RequestVote,
// AppendEntries, InstallSnapshot; not replies).
type requestCounter struct {
	node.Env
	n *int
}

func (e requestCounter) Send(to node.ID, msg any) {
	switch msg.(type) {
	case raft.RequestVote, raft.AppendEntries, raft.InstallSnapshot:
		*e.n++
	}
	e.Env.Send(to, msg)
}

// runMessageCount is the classic lab's RPC-count test. It depends on
// simlab's message types and on Raft sending what was appended while a
// follower was busy in one AppendEntries, so it is not generic.
func runMessageCount(c *scenarios.Case) {
	rc := newRaftCluster(c, Simlab, sim.Config{}, 3, nil)
	requests := 0
	rc.wrapEnv = func(_ *raftHost, env node.Env) node.Env { return requestCounter{env, &requests} }
	leader := rc.checkOneLeader()
	c.Reportf("electing a leader took %d requests (the lab allows 30)", requests)
	if n := requests; n > 30 || n < 1 {
		c.Failf("electing a leader took %d requests, want 1 to 30", n)
	}
	r := c.Rand("cmds")
	for attempt := 0; ; attempt++ {
		if attempt == 5 {
			c.Must(fmt.Errorf("the term kept changing while counting"))
		}
		if attempt > 0 {
			rc.Run(3 * time.Second)
			leader = rc.checkOneLeader()
		}
		before := requests
		const iters = 10
		start, term, ok := rc.start(leader, num(1))
		if !ok {
			continue
		}
		var cmds [][]byte
		for i := 1; i <= iters+1; i++ {
			x := num(int(r.Uint64N(1 << 31)))
			cmds = append(cmds, x)
			index, term1, ok := rc.start(leader, x)
			if !ok || term1 != term || index != start+i {
				c.Must(fmt.Errorf("Start(%s) gave index %d term %d ok %v; want %d, %d, true", x, index, term1, ok, start+i, term))
			}
		}
		changed := false
		for i := 1; i <= iters; i++ {
			if got := rc.wait(start+i, 3, term); !bytes.Equal(got, cmds[i-1]) {
				changed = true
				break
			}
		}
		if t, _ := rc.hosts[leader].srv.State(); changed || t != term {
			continue
		}
		committing := requests - before
		c.Reportf("committing %d commands took %d requests (the lab allows %d)", iters+2, committing, (iters+1+3)*3)
		if committing > (iters+1+3)*3 {
			c.Failf("committing %d commands took %d requests, want ≤ %d", iters, committing, (iters+1+3)*3)
		}
		before = requests
		rc.Run(time.Second)
		c.Reportf("an idle second took %d requests (the lab allows 60)", requests-before)
		if n := requests - before; n > 3*20 {
			c.Failf("an idle second took %d requests, want ≤ 60", n)
		}
		return
	}
}
