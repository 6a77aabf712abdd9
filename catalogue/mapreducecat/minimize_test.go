package mapreducecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestMinimizeBrokenVariants shrinks the first failing run of each broken
// variant of broken_test.go.
func TestMinimizeBrokenVariants(t *testing.T) {
	for _, b := range mrBugs() {
		t.Run(b.bug, func(t *testing.T) {
			scenariotest.Minimizes(t, b.bug, brokenMR(t, b.scenario, b.tweak), b.first, scenarios.Options{})
		})
	}
}

// TestStrategiesOnBrokenVariants measures each strategy on each broken
// variant when SIMLAB_STRATEGY_SEEDS is set (the README's table).
func TestStrategiesOnBrokenVariants(t *testing.T) {
	n, strategies := scenariotest.StrategySeeds(t)
	if n == 0 {
		t.Skip("a measurement: set SIMLAB_STRATEGY_SEEDS=N")
	}
	for _, b := range mrBugs() {
		t.Run(b.bug, func(t *testing.T) {
			scenariotest.CompareStrategies(t, scenariotest.Bug{Name: b.bug, Scenario: brokenMR(t, b.scenario, b.tweak), First: b.first}, n, strategies)
		})
	}
}
