package shardkvcat

import (
	"bytes"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// forgetsTerm: a group server whose Raft saves its term and vote only when
// its log files change (a write of Raft's meta file that changes nothing
// else is dropped), so a restarted server comes back with the term and
// vote of its last log rewrite.
func forgetsTerm(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	s.Handle(termlessEnv{env}, ev)
	return nil, false
}

type termlessEnv struct{ node.Env }

func (e termlessEnv) Disk() node.Disk { return termlessDisk{e.Env.Disk()} }

// metaLayout is how many bytes end systems/raft's meta record after its
// term and vote: which log and snapshot files are current, and the
// snapshot's index, term and chain hash (five uint64s).
const metaLayout = 5 * 8

type termlessDisk struct{ node.Disk }

func (d termlessDisk) WriteFile(name string, data []byte) {
	if strings.HasSuffix(name, ".meta") {
		old, err := d.ReadFile(name)
		if err == nil && len(old) == len(data) && len(data) >= metaLayout &&
			bytes.Equal(old[len(old)-metaLayout:], data[len(data)-metaLayout:]) {
			return // only the term or the vote changed
		}
	}
	d.Disk.WriteFile(name, data)
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
