package kvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/paxos"
)

// TestEveryScenarioOnPaxos runs every kv scenario that takes the log
// parameter on Paxos, for a few seeds (SIMLAB_SEEDS for more).
func TestEveryScenarioOnPaxos(t *testing.T) {
	list, err := scenarios.Match("kv/*")
	if err != nil {
		t.Fatal(err)
	}
	n := scenariotest.Seeds(t, 4)
	ran := 0
	for _, s := range list {
		if !hasParam(s, "log") {
			continue
		}
		ran++
		t.Run(s.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= n; seed++ {
				out, err := scenarios.Run(s.Name, seed, scenarios.Options{Params: map[string]string{"log": "paxos"}, TraceTail: -1, Strict: seed%2 == 0})
				if err != nil {
					t.Fatal(err)
				}
				if !out.Passed {
					t.Fatalf("seed %d on Paxos: %v %v; replay: %s", seed, out.Failures, out.Unknown, out.Replay)
				}
			}
		})
	}
	if ran < 10 {
		t.Errorf("only %d kv scenarios take log=paxos; want the dozen that do not depend on Raft", ran)
	}
}

func hasParam(s scenarios.Scenario, name string) bool {
	for _, p := range s.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// acceptedHidden wraps a server so that its Paxos proposer never sees what
// acceptors had accepted: it proposes its own command where it must take
// up another's.
func acceptedHidden(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler {
		s := inner()
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if r, ok := ev.(*node.Recv); ok {
				if m, ok := r.Msg.(paxos.PrepareReply); ok && !m.Decided {
					m.NA, m.VA = 0, nil
					ev = &node.Recv{From: r.From, Msg: m}
				}
			}
			s.Handle(env, ev)
		})
	}
}

// TestKVOnBrokenPaxosIsCaught: the store on a Paxos whose proposers ignore
// accepted values is caught, by the agreement check or linearizability,
// while the correct store passes the seed that caught it.
func TestKVOnBrokenPaxosIsCaught(t *testing.T) {
	own, _ := scenarios.Lookup("kv/swarm")
	broken := own
	broken.Name = "broken-kv/swarm"
	broken.Run = func(c *scenarios.Case) { runKVSwarm(c, acceptedHidden) }
	opts := scenarios.Options{Params: map[string]string{"log": "paxos"}}
	seed, out := scenariotest.FirstFailingSeed(t, broken, 40, opts)
	if seed == 0 {
		t.Fatal("kv/swarm on a Paxos ignoring accepted values caught nothing within 40 seeds")
	}
	t.Logf("caught at seed %d: %s: %.300s", seed, out.Failures[0].Kind, out.Failures[0].Msg)
	if good, err := scenarios.Run("kv/swarm", seed, opts); err != nil || !good.Passed {
		t.Fatalf("the correct store on Paxos fails seed %d too: %v %v", seed, err, good.Failures)
	}
}
