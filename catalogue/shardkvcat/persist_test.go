package shardkvcat

import (
	"testing"

	"github.com/simlab-go/simlab/catalogue/internal/harnesstest"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// forgetsTerm: a group server whose Raft saves its term and vote only when
// its log files change (a write of Raft's meta file that changes nothing
// else is dropped), so a restarted server comes back with the term and
// vote of its last log rewrite.
func forgetsTerm(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	s.Handle(harnesstest.TermlessEnv(env), ev)
	return nil, false
}

// TestGroupsOnRaftWithBrokenPersistenceAreCaught: groups on a Raft that
// forgets its term and vote at a restart are caught by the log's watch at
// the restart (checker.Revealed), while the correct store passes the seed
// that caught it; before the watch checked what servers revealed, only a
// symptom could (README.md).
func TestGroupsOnRaftWithBrokenPersistenceAreCaught(t *testing.T) {
	broken := scenariotest.Broken(t, skvScenarios(brokenServer(func() hook { return forgetsTerm })), "shardkv/concurrent")
	scenariotest.CaughtAs(t, broken, "shardkv/concurrent", 10, "must be durable before")
}
