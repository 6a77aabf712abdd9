package shardctrlercat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// localReads is a controller server that answers queries from its own
// state instead of through the log: a server cut off with a minority, or
// behind, answers an old configuration as the latest.
type localReads struct{ s *shardctrler.Server }

func (h localReads) Unwrap() node.Handler { return h.s }

func (h localReads) Handle(env node.Env, ev node.Event) {
	if m, ok := ev.(*node.Recv); ok {
		if req, ok := m.Msg.(rsm.Request); ok {
			if q, ok := req.Op.(shardctrler.QueryOp); ok && q.Num < 0 {
				env.Send(m.From, rsm.Reply{ClientID: req.ClientID, Seq: req.Seq, Result: shardctrler.Result{Config: h.s.Latest()}})
				return
			}
		}
	}
	h.s.Handle(env, ev)
}

func localReadServer(cfg shardctrler.ServerConfig) node.Factory {
	inner := shardctrler.NewServer(cfg)
	return func() node.Handler { return localReads{inner().(*shardctrler.Server)} }
}

// TestStaleQueriesAreCaught: the history check catches a controller that
// answers the latest configuration without going through its log, while
// the correct controller passes the seed that caught it. Measured over
// seeds 1–200: shardctrler/crashes catches it at 183 (first at 1),
// shardctrler/partitions at 3 (first at 100): a server cut off with a
// minority is seldom asked while it still believes it leads.
func TestStaleQueriesAreCaught(t *testing.T) {
	for _, tt := range []struct {
		name        string
		withinSeeds uint64
	}{{"shardctrler/partitions", 200}, {"shardctrler/crashes", 30}} {
		name := tt.name
		t.Run(name, func(t *testing.T) {
			var broken scenarios.Scenario
			for _, s := range ctrlScenarios(localReadServer) {
				if s.Name == name {
					broken = s
				}
			}
			broken.Name = "broken-" + name
			seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("stale queries not caught within %d seeds", tt.withinSeeds)
			}
			msg := out.Failures[0].Msg
			t.Logf("caught at seed %d: %s", seed, msg)
			if !strings.Contains(msg, "not linearizable") {
				t.Errorf("caught by %q; want the history check", msg)
			}
			if good, err := scenarios.Run(name, seed, scenarios.Options{}); err != nil || !good.Passed {
				t.Fatalf("the correct controller fails seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}
