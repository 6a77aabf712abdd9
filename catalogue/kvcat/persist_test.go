package kvcat

import (
	"testing"

	"github.com/simlab-go/simlab/catalogue/internal/harnesstest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
)

// termlessServer is a kv server whose Raft saves its term and vote only
// when its log files change: a write of Raft's meta file that changes
// nothing else is dropped, so a restarted server comes back with the term
// and vote of its last log rewrite (or of its first boot).
func termlessServer(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler { return termless{inner()} }
}

type termless struct{ s node.Handler }

// Unwrap is the server inside, for node.Unwrap: the harness reads its log.
func (h termless) Unwrap() node.Handler { return h.s }

func (h termless) Handle(env node.Env, ev node.Event) { h.s.Handle(harnesstest.TermlessEnv(env), ev) }

// TestKVOnRaftWithBrokenPersistenceIsCaught: the store on a Raft that
// forgets its term and vote at a restart is caught by the log's watch at
// the restart (checker.Revealed: the term its messages carried, or the
// vote it granted, did not survive), while the correct store passes the
// seed that caught it. Before the watch checked what servers revealed,
// only a symptom could catch it (two leaders in a term, a history that is
// not linearizable): see the table in README.md.
func TestKVOnRaftWithBrokenPersistenceIsCaught(t *testing.T) {
	own, _ := scenarios.Lookup("kv/swarm")
	broken := own
	broken.Name = "broken-kv/swarm"
	broken.Run = func(c *scenarios.Case) { runKVSwarm(c, termlessServer) }
	scenariotest.CaughtAs(t, broken, "kv/swarm", 10, "must be durable before")
}
