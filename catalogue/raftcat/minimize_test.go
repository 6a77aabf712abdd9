package raftcat

import (
	"os"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestMinimizeBrokenPersistence shrinks the first failing Figure 8 run of
// each broken persistence of raft_test.go to at most half its actions. The
// amnesia variant's search takes half a minute; it runs with
// SIMLAB_MINIMIZE_ALL=1.
func TestMinimizeBrokenPersistence(t *testing.T) {
	tests := []struct {
		bug  string
		wrap func() func(*raftHost, node.Env) node.Env
		seed uint64 // the first failing seed (TestRaftCatalogueCatchesBrokenPersistence)
		slow bool
	}{
		{"forgets everything at restart", func() func(*raftHost, node.Env) node.Env { return amnesiaDisks{}.wrap }, 15, true},
		{"never syncs", func() func(*raftHost, node.Env) node.Env { return noSyncWrap }, 9, false},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			if tt.slow && os.Getenv("SIMLAB_MINIMIZE_ALL") == "" {
				t.Skip("a half-minute search: set SIMLAB_MINIMIZE_ALL=1")
			}
			own, _ := scenarios.Lookup("raft/figure8")
			broken := scenarios.Scenario{Name: "broken-raft/figure8", Params: own.Params, Run: func(c *scenarios.Case) {
				rc := newRaftCluster(c, Simlab, sim.Config{}, 5, nil)
				rc.wrapEnv = tt.wrap()
				runFigure8(c, rc, false)
			}}
			m := scenariotest.Minimizes(t, tt.bug, broken, tt.seed, scenarios.Options{})
			if m.After.Actions*2 > m.Before.Actions {
				t.Errorf("actions %d → %d: want at least half gone", m.Before.Actions, m.After.Actions)
			}
		})
	}
}
