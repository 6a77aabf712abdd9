package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// panicky panics in its handler at virtual time 1.5 s.
var panicky = Scenario{
	Name:    "test/panicky",
	Summary: "a node panics at 1.5 s",
	Run: func(c *Case) {
		w := c.NewWorld(sim.Config{})
		w.AddNode("p", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				switch ev.(type) {
				case *node.Start:
					env.SetTimer(500*time.Millisecond, "tick")
				case *node.Timeout:
					if env.Now() >= 1500*time.Millisecond {
						panic("deliberate")
					}
					env.SetTimer(500*time.Millisecond, "tick")
				}
			})
		})
		c.Must(w.RunFor(10 * time.Second))
		c.Failf("unreachable: the run should have stopped at the panic")
	},
}

func TestFailureCarriesEverythingToReplayIt(t *testing.T) {
	out, err := RunScenario(panicky, 99, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || len(out.Failures) != 1 {
		t.Fatalf("passed=%v with %d failures, want one failure", out.Passed, len(out.Failures))
	}
	f := out.Failures[0]
	checks := []struct {
		what string
		ok   bool
	}{
		{"kind panic", f.Kind == sim.Panic},
		{"seed", f.Seed == 99},
		{"time 1.5s", f.Time == 1500*time.Millisecond},
		{"node", f.Node == "p"},
		{"stack", strings.Contains(f.Stack, "deliberate") || strings.Contains(f.Stack, "panic")},
		{"trace tail ending at the failure", len(f.Trace) > 0 && f.Trace[len(f.Trace)-1].Kind == "failure"},
		{"replay command", f.Replay == "go run ./cmd/simrun -scenario test/panicky -seed 99 -strict"},
		{"report", strings.Contains(f.Report(), "replay: go run ./cmd/simrun")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("failure lacks %s: %+v", c.what, f)
		}
	}
}

func TestReplayCommandQuotes(t *testing.T) {
	got := ReplayCommand("register/swarm", 7, Options{Faults: "1s crash s1; 2s restart s1", Params: map[string]string{"ops": "10"}, Strict: true})
	want := `go run ./cmd/simrun -scenario register/swarm -seed 7 -strict -faults '1s crash s1; 2s restart s1' -p ops=10`
	if got != want {
		t.Errorf("ReplayCommand = %s\nwant            %s", got, want)
	}
}

// TestMustOfErrWithoutAFailure: the natural c.Must(w.Err()) after a clean
// run passes, as does a nil *sim.Failure wrapped in an error; a real
// failure is recorded as it is.
func TestMustOfErrWithoutAFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail bool
		err  func(w *sim.World) error
	}{
		{"w.Err() of a clean run", false, func(w *sim.World) error { return w.Err() }},
		{"typed nil *sim.Failure", false, func(w *sim.World) error { return w.Failure() }},
		{"a failure", true, func(w *sim.World) error { w.Fail(sim.Check, "broken"); return w.Err() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Scenario{Name: "test/must", Summary: "Must(w.Err())", Run: func(c *Case) {
				w := c.NewWorld(sim.Config{})
				w.AddNode("a", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
				c.Must(w.RunFor(time.Second))
				c.Must(tc.err(w))
			}}
			out, err := RunScenario(s, 1, Options{TraceTail: -1})
			if err != nil {
				t.Fatal(err)
			}
			if out.Passed == tc.fail {
				t.Fatalf("passed=%v failures=%v; want passed=%v", out.Passed, out.Failures, !tc.fail)
			}
			if tc.fail && (len(out.Failures) != 1 || out.Failures[0].Msg != "broken") {
				t.Fatalf("failures %v; want the one check failure", out.Failures)
			}
		})
	}
}

// TestCleanupRunsAfterAnAbort: cleanups run last registered first, after
// the run function returned or stopped on Must, and what they record
// counts in the outcome.
func TestCleanupRunsAfterAnAbort(t *testing.T) {
	var order []string
	s := Scenario{Name: "test/cleanup", Summary: "cleanups", Run: func(c *Case) {
		c.Cleanup(func() { order = append(order, "first") })
		c.Cleanup(func() { order = append(order, "second"); c.Unknownf("undecided at the end") })
		c.Must(errors.New("stop here"))
		order = append(order, "unreachable")
	}}
	out, err := RunScenario(s, 1, Options{TraceTail: -1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "second,first" {
		t.Errorf("ran %v; want the cleanups in reverse order after the abort", order)
	}
	if len(out.Failures) != 1 || len(out.Unknown) != 1 || out.Passed {
		t.Errorf("failures %v unknown %v passed %v; want the abort's failure and the cleanup's unknown", out.Failures, out.Unknown, out.Passed)
	}
}
