package kvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestMinimizeBrokenServers shrinks the first failing run of each broken
// server of kv_test.go and requires the stale read to come down to fewer
// actions and operations.
func TestMinimizeBrokenServers(t *testing.T) {
	tests := []struct {
		bug      string
		scenario string
		run      func(*scenarios.Case, kvServer)
		server   kvServer
		seed     uint64 // the first failing seed (TestCatalogueCatchesBrokenServers)
	}{
		{"no duplicate detection", "kv/one-key-appends", runKVOneKeyAppends, noDedupServer, 1},
		{"reads served by any self-declared leader", "kv/partitions", runKVPartitions, localReadServer, 7},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			own, _ := scenarios.Lookup(tt.scenario)
			broken := scenarios.Scenario{Name: "broken-" + tt.scenario, Params: own.Params, Histories: true, Run: func(c *scenarios.Case) { tt.run(c, tt.server) }}
			m := scenariotest.Minimizes(t, tt.bug, broken, tt.seed, scenarios.Options{})
			if m.After.Operations >= m.Before.Operations {
				t.Errorf("operations %d → %d: the workload did not shrink", m.Before.Operations, m.After.Operations)
			}
		})
	}
}
