package kvcat

import (
	"strings"
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
	scenariotest.EveryScenarioWith(t, "kv/*", map[string]string{"log": "paxos"}, 4, 15)
}

// acceptedHidden wraps a server so that its Paxos proposer never sees what
// acceptors had accepted: it proposes its own command where it must take
// up another's.
func acceptedHidden(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler { return hidingAccepted{inner()} }
}

type hidingAccepted struct{ s node.Handler }

// Unwrap is the server inside, for node.Unwrap: the harness reads its log.
func (h hidingAccepted) Unwrap() node.Handler { return h.s }

func (h hidingAccepted) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if m, ok := r.Msg.(paxos.PrepareReply); ok && !m.Decided {
			m.NA, m.VA = 0, nil
			ev = &node.Recv{From: r.From, Msg: m}
		}
	}
	h.s.Handle(env, ev)
}

// TestKVOnBrokenPaxosIsCaught: the store on a Paxos whose proposers ignore
// accepted values is caught by the ballot checks of the log's watch (P2c:
// its phase 2 value is not the one its promises allow), while the correct
// store passes the seed that caught it. Before the watch checked ballots,
// agreement or linearizability caught it at 4 of seeds 1-200, first at 64.
func TestKVOnBrokenPaxosIsCaught(t *testing.T) {
	own, _ := scenarios.Lookup("kv/swarm")
	broken := own
	broken.Name = "broken-kv/swarm"
	broken.Run = func(c *scenarios.Case) { runKVSwarm(c, acceptedHidden) }
	opts := scenarios.Options{Params: map[string]string{"log": "paxos"}}
	seed, out := scenariotest.FirstFailingSeed(t, broken, 20, opts)
	if seed == 0 {
		t.Fatal("kv/swarm on a Paxos ignoring accepted values caught nothing within 100 seeds")
	}
	t.Logf("caught at seed %d: %s: %.300s", seed, out.Failures[0].Kind, out.Failures[0].Msg)
	if !strings.Contains(out.Failures[0].Msg, "no majority of its promises allows (P2c") {
		t.Errorf("caught by %q; want the P2c check", out.Failures[0].Msg)
	}
	if good, err := scenarios.Run("kv/swarm", seed, opts); err != nil || !good.Passed {
		t.Fatalf("the correct store on Paxos fails seed %d too: %v %v", seed, err, good.Failures)
	}
}
