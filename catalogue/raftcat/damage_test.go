package raftcat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// trustingServer is simlab's Raft behind a boot that, where Raft refuses
// its damaged state, empties Raft's files and starts it afresh: what the
// storage did before it told damage from a torn tail when the meta file
// was lost, and what an operator does who "repairs" a node by emptying its
// directory.
type trustingServer struct {
	*simlabServer
	cfg Config
	app Applier
}

func (s *trustingServer) Handle(env node.Env, ev node.Event) {
	if _, ok := ev.(*node.Start); ok {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if _, damaged := r.(*node.Damage); !damaged {
				panic(r)
			}
			for _, name := range env.Disk().Names() {
				if strings.HasPrefix(name, "raft.") {
					env.Disk().Remove(name)
				}
			}
			s.simlabServer = Simlab.New(s.cfg, s.app).(*simlabServer)
			s.simlabServer.Handle(env, ev)
		}()
	}
	s.simlabServer.Handle(env, ev)
}

var trusting = Impl{
	Name: "raft-trusting-damage", Title: "simlab's Raft, restarted empty over damaged state",
	New: func(cfg Config, app Applier) Server {
		return &trustingServer{simlabServer: Simlab.New(cfg, app).(*simlabServer), cfg: cfg, app: app}
	},
	Classify: Simlab.Classify,
}

// TestDamagedDiskCatchesAServerThatTrustsIt: raft/damaged-disk over a
// server that comes back empty instead of refusing fails on the consensus
// invariants themselves (the committed entry replaced), not only on the
// scenario's own check that it refused, on every seed; the real Raft
// passes the same seeds.
func TestDamagedDiskCatchesAServerThatTrustsIt(t *testing.T) {
	broken := scenarios.Scenario{Name: "broken-raft/damaged-disk", Run: func(c *scenarios.Case) { runDamagedDisk(c, trusting) }}
	kinds := map[string]bool{}
	for seed := uint64(1); seed <= 12; seed++ {
		out, err := scenarios.RunScenario(broken, seed, scenarios.Options{TraceTail: -1})
		if err != nil {
			t.Fatal(err)
		}
		if out.Passed || out.Failures[0].Kind != sim.Invariant {
			t.Errorf("seed %d: passed=%v %v; want an invariant failure", seed, out.Passed, out.Failures)
			continue
		}
		kinds[strings.Fields(out.Faults[strings.Index(out.Faults, "damage "):])[2]] = true
		if good, err := scenarios.Run("raft/damaged-disk", seed, scenarios.Options{}); err != nil || !good.Passed {
			t.Fatalf("correct Raft fails seed %d: %v %v", seed, err, good.Failures)
		}
	}
	if len(kinds) != len(sim.DamageKinds()) {
		t.Errorf("12 seeds drew the damage kinds %v; want every kind exercised", kinds)
	}
}
