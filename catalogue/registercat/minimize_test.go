package registercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
)

// brokenVariants are the broken replicas of register_test.go on the
// scenario that catches them, with the first seed that does
// (TestCatalogueCatchesBrokenReplicas).
func brokenVariants() []scenariotest.Bug {
	return []scenariotest.Bug{
		{Name: "acknowledges without syncing", Scenario: brokenScenario("register/crash-restart", func() node.Handler { return &brokenReplica{noSync: true} }), First: 2},
		{Name: "acknowledges before syncing", Scenario: brokenScenario("register/crash-restart", func() node.Handler { return &brokenReplica{ackFirst: true} }), First: 340},
	}
}

// TestMinimizeBrokenReplicas shrinks the first failing run of each broken
// replica.
func TestMinimizeBrokenReplicas(t *testing.T) {
	for _, b := range brokenVariants() {
		t.Run(b.Name, func(t *testing.T) {
			m := scenariotest.Minimizes(t, b.Name, b.Scenario, b.First, scenarios.Options{})
			if m.After.Actions >= m.Before.Actions {
				t.Errorf("actions %d → %d: the schedule did not shrink", m.Before.Actions, m.After.Actions)
			}
		})
	}
}

// TestStrategiesOnBrokenReplicas measures each strategy on each broken
// replica when SIMLAB_STRATEGY_SEEDS is set (the README's table).
func TestStrategiesOnBrokenReplicas(t *testing.T) {
	scenariotest.MeasureStrategies(t, func(*testing.T) []scenariotest.Bug { return brokenVariants() })
}
