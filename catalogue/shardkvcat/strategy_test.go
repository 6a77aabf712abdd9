package shardkvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestStrategiesOnBrokenGroups measures each strategy on each broken group
// of broken_test.go when SIMLAB_STRATEGY_SEEDS is set (the README's table).
func TestStrategiesOnBrokenGroups(t *testing.T) {
	n, strategies := scenariotest.StrategySeeds(t)
	if n == 0 {
		t.Skip("a measurement: set SIMLAB_STRATEGY_SEEDS=N")
	}
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
		t.Run(b.bug, func(t *testing.T) {
			var broken scenarios.Scenario
			for _, s := range skvScenarios(brokenServer(b.hook)) {
				if s.Name == b.scenario {
					broken = s
				}
			}
			broken.Name = "broken-" + b.scenario
			scenariotest.CompareStrategies(t, scenariotest.Bug{Name: b.bug, Scenario: broken}, n, strategies)
		})
	}
}
