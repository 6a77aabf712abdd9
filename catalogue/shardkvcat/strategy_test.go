package shardkvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestStrategiesOnBrokenGroups measures each strategy on each broken group
// of broken_test.go when SIMLAB_STRATEGY_SEEDS is set (the strategies table of docs/finding-bugs.md).
func TestStrategiesOnBrokenGroups(t *testing.T) {
	scenariotest.MeasureStrategies(t, func(*testing.T) []scenariotest.Bug {
		var bugs []scenariotest.Bug
		for _, b := range []struct {
			bug      string
			hook     func() hook
			scenario string
		}{
			{"serving a shard before its data arrives", serveBeforeData, "shardkv/join-leave"},
			{"not moving duplicate-detection state", func() hook { return forgetDedup }, "shardkv/unreliable-appends"},
			{"not deleting moved shards", func() hook { return keepMoved }, "shardkv/delete"},
			{"serving reads of a shard given away", func() hook { return staleReads }, "shardkv/unreliable-random"},
		} {
			for _, s := range skvScenarios(brokenServer(b.hook)) {
				if s.Name == b.scenario {
					s.Name = "broken-" + b.scenario
					bugs = append(bugs, scenariotest.Bug{Name: b.bug, Scenario: s})
				}
			}
		}
		return bugs
	})
}
