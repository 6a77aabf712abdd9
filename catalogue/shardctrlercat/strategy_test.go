package shardctrlercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestStrategiesOnStaleQueries measures each strategy on the controller
// that answers queries without its log (ctrl_test.go) when
// SIMLAB_STRATEGY_SEEDS is set (the README's table).
func TestStrategiesOnStaleQueries(t *testing.T) {
	n, strategies := scenariotest.StrategySeeds(t)
	if n == 0 {
		t.Skip("a measurement: set SIMLAB_STRATEGY_SEEDS=N")
	}
	for _, name := range []string{"shardctrler/partitions", "shardctrler/crashes"} {
		t.Run(name, func(t *testing.T) {
			var broken scenarios.Scenario
			for _, s := range ctrlScenarios(localReadServer) {
				if s.Name == name {
					broken = s
				}
			}
			broken.Name = "broken-" + name
			scenariotest.CompareStrategies(t, scenariotest.Bug{Name: "queries answered without the log", Scenario: broken}, n, strategies)
		})
	}
}
