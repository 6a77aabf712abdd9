package registercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
)

// TestMinimizeBrokenReplicas shrinks the first failing run of each broken
// replica of register_test.go.
func TestMinimizeBrokenReplicas(t *testing.T) {
	tests := []struct {
		bug     string
		replica node.Factory
		seed    uint64 // the first failing seed (TestCatalogueCatchesBrokenReplicas)
	}{
		{"acknowledges without syncing", func() node.Handler { return &brokenReplica{noSync: true} }, 2},
		{"acknowledges before syncing", func() node.Handler { return &brokenReplica{ackFirst: true} }, 340},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			m := scenariotest.Minimizes(t, tt.bug, brokenScenario("register/crash-restart", tt.replica), tt.seed, scenarios.Options{})
			if m.After.Actions >= m.Before.Actions {
				t.Errorf("actions %d → %d: the schedule did not shrink", m.Before.Actions, m.After.Actions)
			}
		})
	}
}
