package shardctrlercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestEveryScenarioOnPaxos runs the catalogue on Paxos logs instead of
// Raft, for a few seeds (SIMLAB_SEEDS for more).
func TestEveryScenarioOnPaxos(t *testing.T) {
	scenariotest.EveryScenarioWith(t, "shardctrler/*", map[string]string{"log": "paxos"}, 3, 11)
}
