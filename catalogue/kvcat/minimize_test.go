package kvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// brokenVariants are the broken servers of kv_test.go on the scenario
// that catches each, with the first seed that does
// (TestKVCatalogueCatchesBrokenServers).
func brokenVariants() []scenariotest.Bug {
	broken := func(name string, run func(*scenarios.Case, kvServer), server kvServer) scenarios.Scenario {
		own, _ := scenarios.Lookup(name)
		return scenarios.Scenario{Name: "broken-" + name, Params: own.Params, Histories: true, Run: func(c *scenarios.Case) { run(c, server) }}
	}
	return []scenariotest.Bug{
		{Name: "no duplicate detection", Scenario: broken("kv/one-key-appends", runKVOneKeyAppends, noDedupServer), First: 1},
		{Name: "reads served by any self-declared leader", Scenario: broken("kv/partitions", runKVPartitions, localReadServer), First: 10},
	}
}

// TestMinimizeBrokenServers shrinks the first failing run of each broken
// server and requires the workload to come down too, where the failure
// is a client history's: one an oracle sees at its cause stops the run
// before any history is checked, and its case shrinks in faults.
func TestMinimizeBrokenServers(t *testing.T) {
	for _, b := range brokenVariants() {
		t.Run(b.Name, func(t *testing.T) {
			m := scenariotest.Minimizes(t, b.Name, b.Scenario, b.First, scenarios.Options{})
			if m.Before.Operations > 0 && m.After.Operations >= m.Before.Operations {
				t.Errorf("operations %d → %d: the workload did not shrink", m.Before.Operations, m.After.Operations)
			}
		})
	}
}

// TestStrategiesOnBrokenServers measures each strategy on each broken
// server when SIMLAB_STRATEGY_SEEDS is set (the strategies table of docs/finding-bugs.md).
func TestStrategiesOnBrokenServers(t *testing.T) {
	scenariotest.MeasureStrategies(t, func(*testing.T) []scenariotest.Bug { return brokenVariants() })
}
