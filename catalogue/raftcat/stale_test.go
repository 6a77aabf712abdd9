package raftcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// staleVoteServer is simlab's Raft with a classic bug: it takes a vote
// granted in an earlier term for one in its current term (it does not
// check which request a reply answers).
type staleVoteServer struct{ Server }

func (s staleVoteServer) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if m, ok := r.Msg.(raft.RequestVoteReply); ok && m.Granted && !m.PreVote {
			term, _ := s.State()
			m.ReqTerm, m.Term = max(m.ReqTerm, term), max(m.Term, term)
			ev = &node.Recv{From: r.From, Msg: m}
		}
	}
	s.Server.Handle(env, ev)
}

// staleVote is simlab's Raft with staleVoteServer's bug, as an Impl.
func staleVote() Impl {
	broken := Simlab
	broken.New = func(cfg Config, app Applier) Server { return staleVoteServer{Simlab.New(cfg, app)} }
	return broken
}

// staleVoteSwarm is raft/swarm over staleVote.
func staleVoteSwarm() scenarios.Scenario {
	broken := staleVote()
	return scenarios.Scenario{Name: "broken-raft/swarm", Run: func(c *scenarios.Case) { runSwarm(c, broken, nil) }}
}

// TestStaleRepliesCatchAStaleVote: raft/stale-replies, which holds replies
// back while the term moves on, catches a Raft that counts a stale vote
// far more often than raft/swarm, which delays every message alike; the
// election check (a leader holds the votes of a majority granted in its
// term) sees it when the stale vote completes a majority. Measured over
// seeds 1-200: stale-replies fails 27 runs (first at seed 3), swarm 3.
func TestStaleRepliesCatchAStaleVote(t *testing.T) {
	broken := staleVote()
	s := scenarios.Scenario{Name: "broken-raft/stale-replies", Run: func(c *scenarios.Case) { runStaleReplies(c, broken) }}
	seed, out := scenariotest.FirstFailingSeed(t, s, 40, scenarios.Options{})
	if seed == 0 {
		t.Fatal("raft/stale-replies caught no stale vote within 40 seeds")
	}
	t.Logf("caught at seed %d: %s: %s", seed, out.Failures[0].Kind, out.Failures[0].Msg)
	if n := scenariotest.ShareSeeds(t); n > 0 {
		swarm := staleVoteSwarm()
		t.Logf("over seeds 1-%d: stale-replies fails %d, swarm %d", n,
			scenariotest.FailingShare(t, s, n, scenarios.Options{}), scenariotest.FailingShare(t, swarm, n, scenarios.Options{}))
	}
}
