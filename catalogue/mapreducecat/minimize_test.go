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
	scenariotest.MeasureStrategies(t, func(t *testing.T) []scenariotest.Bug {
		var bugs []scenariotest.Bug
		for _, b := range mrBugs() {
			bugs = append(bugs, scenariotest.Bug{Name: b.bug, Scenario: brokenMR(t, b.scenario, b.tweak), First: b.first})
		}
		return bugs
	})
}
