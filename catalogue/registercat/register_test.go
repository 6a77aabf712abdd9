package registercat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/register"
	"pgregory.net/rapid"
)

// brokenReplica speaks the register protocol with one of two classic
// durability bugs, to show that the register catalogue catches them.
type brokenReplica struct {
	noSync   bool // acknowledges a store it never syncs
	ackFirst bool // acknowledges before the store is durable
	tag      register.Tag
	value    string
}

// Tag is the replica's tag, the view the durability check reads, as
// register.Replica gives it.
func (r *brokenReplica) Tag() register.Tag { return r.tag }

func (r *brokenReplica) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		if data, err := env.Disk().ReadFile("register"); err == nil {
			// A private layout: seq, then value.
			var seq uint64
			var writer int
			var value string
			if _, err := fmt.Sscanf(string(data), "%d %d %q", &seq, &writer, &value); err == nil {
				r.tag, r.value = register.Tag{Seq: seq, Writer: node.ID(writer)}, value
			}
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case register.QueryReq:
			env.Send(ev.From, register.QueryResp{Op: m.Op, Tag: r.tag, Value: r.value})
		case register.StoreReq:
			if r.ackFirst {
				env.Send(ev.From, register.StoreAck{Op: m.Op})
			}
			if r.tag.Less(m.Tag) {
				r.tag, r.value = m.Tag, m.Value
				env.Disk().WriteFile("register", fmt.Appendf(nil, "%d %d %q", m.Tag.Seq, int(m.Tag.Writer), m.Value))
				if !r.noSync {
					env.Disk().Sync()
				}
			}
			if !r.ackFirst {
				env.Send(ev.From, register.StoreAck{Op: m.Op})
			}
		}
	}
}

// brokenScenario is the named register scenario over the given replica.
func brokenScenario(name string, replica node.Factory) scenarios.Scenario {
	s, _ := scenarios.Lookup(name)
	switch name {
	case "register/swarm":
		s.Run = func(c *scenarios.Case) { registerSwarm(c, replica) }
	case "register/crash-restart":
		s.Run = func(c *scenarios.Case) { registerCrashRestart(c, replica) }
	default:
		panic("no broken variant of " + name)
	}
	s.Name = "broken-" + name
	return s
}

// TestCatalogueCatchesBrokenReplicas shows the register checks catching
// real durability bugs within a stated number of seeds, and the correct
// replica passing the very same seeds.
func TestCatalogueCatchesBrokenReplicas(t *testing.T) {
	tests := []struct {
		name        string
		replica     node.Factory
		withinSeeds uint64
	}{
		// Before the durability check (a replica's tag must hold what its
		// replies said), the history caught these at seed 2 (60 of seeds
		// 1-200) and seed 340 (none of 1-200).
		{"acknowledges without syncing", func() node.Handler { return &brokenReplica{noSync: true} }, 5},
		{"acknowledges before syncing", func() node.Handler { return &brokenReplica{ackFirst: true} }, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed, out := scenariotest.FirstFailingSeed(t, brokenScenario("register/crash-restart", tt.replica), tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("register/crash-restart caught nothing within %d seeds", tt.withinSeeds)
			}
			t.Logf("caught at seed %d: %v", seed, out.Failures[0].Msg)
			if !strings.Contains(out.Failures[0].Msg, "must be durable before a message says so") {
				t.Errorf("caught by %q; want the durability check", out.Failures[0].Msg)
			}
			good, err := scenarios.Run("register/crash-restart", seed, scenarios.Options{})
			if err != nil || !good.Passed {
				t.Fatalf("the correct replica fails seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}

// registerProperty draws a fault schedule as a sequence of steps (rapid's
// state machine) and a seed, and runs register/crash-restart with the
// given replica: the history must stay atomic and the clients finish after
// calm.
func registerProperty(replica node.Factory) func(*rapid.T) {
	s := brokenScenario("register/crash-restart", replica)
	return func(t *rapid.T) {
		sched := scenariotest.DrawFaultSteps(t, []string{"s0", "s1", "s2", "s3", "s4"}, 4*time.Second)
		seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
		scenariotest.CheckRun(t, s, "register/crash-restart", seed, scenarios.Options{Faults: sched.String()})
	}
}

// TestRapidSchedulesKeepRegisterAtomic lets rapid draw fault schedules
// (any number of crashes, not just a minority): the register must stay
// atomic and finish after calm.
func TestRapidSchedulesKeepRegisterAtomic(t *testing.T) {
	rapid.Check(t, registerProperty(register.NewReplica))
}

// FuzzRegisterSchedules is the same property driven by go test -fuzz.
func FuzzRegisterSchedules(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(registerProperty(register.NewReplica)))
}

// TestRapidShrinksTheNoSyncBug shows rapid finding a schedule that breaks
// the replica that never syncs, and shrinking it to a few actions that
// replay the failure.
func TestRapidShrinksTheNoSyncBug(t *testing.T) {
	got := scenariotest.Counterexample(t, 300, 10*time.Second, registerProperty(func() node.Handler { return &brokenReplica{noSync: true} }))
	t.Logf("rapid shrank it to %d actions (%s), minimization to %d: %s\n%s", scenariotest.Actions(got.Rapid), got.Rapid,
		scenariotest.Actions(got.Schedule), got.Schedule, got.Report)
	// Losing an acknowledged write takes a majority of the five replicas
	// crashing with it unsynced: three crashes at least, plus what the
	// seed needs to line them up.
	if n := scenariotest.Actions(got.Schedule); n > 6 {
		t.Errorf("shrunk to %d fault actions; want at most 6", n)
	}
}

// TestFuzzRegisterSchedulesCorpus: every seed input of FuzzRegisterSchedules under testdata/fuzz makes a
// real run (go test runs them too, but skips an input that is too short
// without a word).
func TestFuzzRegisterSchedulesCorpus(t *testing.T) {
	scenariotest.FuzzCorpus(t, "FuzzRegisterSchedules", registerProperty(register.NewReplica))
}
