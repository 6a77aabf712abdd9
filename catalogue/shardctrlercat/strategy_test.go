package shardctrlercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestStrategiesOnStaleQueries measures each strategy on the controller
// that answers queries without its log (ctrl_test.go) when
// SIMLAB_STRATEGY_SEEDS is set (the strategies table of docs/finding-bugs.md).
func TestStrategiesOnStaleQueries(t *testing.T) {
	scenariotest.MeasureStrategies(t, func(*testing.T) []scenariotest.Bug {
		var bugs []scenariotest.Bug
		for _, s := range ctrlScenarios(localReadServer) {
			if s.Name == "shardctrler/partitions" || s.Name == "shardctrler/crashes" {
				s.Name = "broken-" + s.Name
				bugs = append(bugs, scenariotest.Bug{Name: "queries answered without the log", Scenario: s})
			}
		}
		return bugs
	})
}
