package registercat

import (
	"flag"
	"fmt"
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
		withinSeeds uint64 // measured: first caught at seed 2 and 340
	}{
		{"acknowledges without syncing", func() node.Handler { return &brokenReplica{noSync: true} }, 20},
		{"acknowledges before syncing", func() node.Handler { return &brokenReplica{ackFirst: true} }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed, out := scenariotest.FirstFailingSeed(t, brokenScenario("register/crash-restart", tt.replica), tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("register/crash-restart caught nothing within %d seeds", tt.withinSeeds)
			}
			t.Logf("caught at seed %d: %v", seed, out.Failures[0].Msg)
			good, err := scenarios.Run("register/crash-restart", seed, scenarios.Options{})
			if err != nil || !good.Passed {
				t.Fatalf("the correct replica fails seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}

// registerProperty runs a rapid-drawn schedule on the register with the
// given replica and fails if the run does.
func registerProperty(replica node.Factory) func(*rapid.T) {
	s := brokenScenario("register/crash-restart", replica)
	return func(t *rapid.T) {
		sched := scenariotest.DrawSchedule(t, []string{"s0", "s1", "s2", "s3", "s4"}, 4*time.Second)
		seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
		out, err := scenarios.RunScenario(s, seed, scenarios.Options{Faults: sched.String(), TraceTail: -1})
		if err != nil {
			t.Fatalf("schedule %q: %v", sched, err)
		}
		if !out.Passed {
			t.Fatalf("seed %d, schedule %q: %v", seed, sched, out.Failures[0].Msg)
		}
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

// failureRecorder is a rapid.TB that records a failure instead of failing
// the test, so a test can assert that rapid finds and shrinks a bug.
type failureRecorder struct {
	*testing.T
	failed bool
	msg    string
}

func (r *failureRecorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}
func (r *failureRecorder) Fatal(args ...any)                 { r.failed, r.msg = true, fmt.Sprint(args...) }
func (r *failureRecorder) Errorf(format string, args ...any) { r.Fatalf(format, args...) }
func (r *failureRecorder) Error(args ...any)                 { r.Fatal(args...) }
func (r *failureRecorder) FailNow()                          { r.failed = true }
func (r *failureRecorder) Fail()                             { r.failed = true }
func (r *failureRecorder) Failed() bool                      { return r.failed }

// TestRapidShrinksTheNoSyncBug shows rapid finding a schedule that breaks
// the replica that never syncs, and shrinking it to a few actions.
func TestRapidShrinksTheNoSyncBug(t *testing.T) {
	for name, v := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.checks": "300", "rapid.shrinktime": "3s"} {
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		defer flag.Set(name, old)
	}
	rec := &failureRecorder{T: t}
	rapid.Check(rec, registerProperty(func() node.Handler { return &brokenReplica{noSync: true} }))
	if !rec.failed {
		t.Fatal("rapid found no schedule breaking a replica that never syncs")
	}
	t.Logf("rapid's shrunk counterexample: %s", rec.msg)
}
