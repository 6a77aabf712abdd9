package raftcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// brokenFigure8 is raft/figure8 over servers whose persistence wrap breaks.
func brokenFigure8(wrap func() func(*raftHost, node.Env) node.Env) scenarios.Scenario {
	own, _ := scenarios.Lookup("raft/figure8")
	return scenarios.Scenario{Name: "broken-raft/figure8", Params: own.Params, Run: func(c *scenarios.Case) {
		rc := newRaftCluster(c, Simlab, sim.Config{}, 5, nil)
		rc.wrapEnv = wrap()
		runFigure8(c, rc, false)
	}}
}

// brokenVariants are the broken persistences of raft_test.go with the
// first seed that catches each (TestRaftCatalogueCatchesBrokenPersistence):
// the restart check sees both at seed 1.
func brokenVariants() []scenariotest.Bug {
	return []scenariotest.Bug{
		{Name: "forgets everything at restart", Scenario: brokenFigure8(func() func(*raftHost, node.Env) node.Env { return amnesiaDisks{}.wrap }), First: 1},
		{Name: "never syncs", Scenario: brokenFigure8(func() func(*raftHost, node.Env) node.Env { return noSyncWrap }), First: 1},
	}
}

// TestMinimizeBrokenPersistence shrinks the first failing Figure 8 run of
// servers that forget everything at restart to at most half its actions.
// Measured: 4 → 2 (the restart check fails the run at its first restart,
// seed 1); before that check the first failing run was seed 9 and went
// 29 → 10.
func TestMinimizeBrokenPersistence(t *testing.T) {
	b := brokenVariants()[0]
	m := scenariotest.Minimizes(t, b.Name, b.Scenario, b.First, scenarios.Options{})
	if m.After.Actions*2 > m.Before.Actions {
		t.Errorf("actions %d → %d: want at least half gone", m.Before.Actions, m.After.Actions)
	}
}

// TestStrategiesOnBrokenPersistence measures each strategy on each broken
// persistence when SIMLAB_STRATEGY_SEEDS is set (the strategies table of docs/finding-bugs.md).
func TestStrategiesOnBrokenPersistence(t *testing.T) {
	scenariotest.MeasureStrategies(t, func(*testing.T) []scenariotest.Bug { return brokenVariants() })
}
