package scenarios_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// fragile fails, as a check named "c lost its writes", exactly when node c
// restarts after at least 3 writes reached it: the one fault that matters
// hides among a dozen that do not, and the workload is twice what it
// needs. Its own schedule is also a partition of a, b, c | d, lossy
// links and other crashes.
var fragile = scenarios.Scenario{
	Name:    "test/fragile",
	Summary: "c restarting after 3 writes loses them",
	Params:  []scenarios.Param{{Name: "writes", Default: "8", Doc: "writes sent to c", Min: 1, Max: 100, Shrink: true}},
	Run: func(c *scenarios.Case) {
		w := c.NewWorld(sim.Config{})
		got := 0
		lost := false
		for _, name := range []string{"a", "b", "c", "d"} {
			w.AddNode(name, func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					switch ev := ev.(type) {
					case *node.Start:
						if env.Self() == 2 && ev.Restarted && got >= 3 {
							lost = true
						}
						if env.Self() == 2 {
							env.SetTimer(10*time.Millisecond, nil)
						}
					case *node.Timeout:
						env.SetTimer(10*time.Millisecond, nil) // c is always busy: a crash inside a handler strikes soon
					case *node.Recv:
						if env.Self() == 2 {
							got++
						}
					}
				})
			})
		}
		writer := w.AddNode("writer", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
		c.Apply(w, scenarios.Schedule{
			{At: 100 * time.Millisecond, Op: "loss", Args: []string{"0.2"}},
			{At: 200 * time.Millisecond, Op: "crash", Args: []string{"a"}},
			{At: 300 * time.Millisecond, Op: "partition", Args: []string{"a,b,c|d"}},
			{At: 400 * time.Millisecond, Op: "restart", Args: []string{"a"}},
			{At: 500 * time.Millisecond, Op: "crash-mid", Args: []string{"b"}},
			{At: 600 * time.Millisecond, Op: "heal"},
			{At: 1500 * time.Millisecond, Op: "crash-mid", Args: []string{"c"}},
			{At: 1600 * time.Millisecond, Op: "restart", Args: []string{"b"}},
			{At: 1700 * time.Millisecond, Op: "restart", Args: []string{"c"}},
			{At: 1800 * time.Millisecond, Op: "pause", Args: []string{"d", "200ms"}},
			{At: 2 * time.Second, Op: "loss", Args: []string{"0"}},
		})
		for i := 0; i < c.IntParam("writes"); i++ {
			w.At(time.Duration(700+50*i)*time.Millisecond, "write", func() {
				w.Invoke(writer, "write", func(env node.Env) { env.Send(2, fmt.Sprint("w", i)) })
			})
		}
		c.Must(w.RunFor(3 * time.Second))
		c.CountOperations(c.IntParam("writes"))
		if lost {
			c.Failf("c lost its writes: it restarted after %d", got)
		}
	},
}

// TestMinimizeFindsTheOneFault: of eleven actions, the crash of c and its
// restart remain, the crash inside a handler becomes a plain crash, and
// the writes go down to the 3 the failure needs; the result replays and
// still fails the same way.
func TestMinimizeFindsTheOneFault(t *testing.T) {
	var steps []string
	m, err := scenarios.Minimize(fragile, 1, scenarios.Options{}, func(s string) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps:\n%s", strings.Join(steps, "\n"))
	if m.Signature != "check: c lost its writes" {
		t.Errorf("signature %q", m.Signature)
	}
	if want := "1.5s crash c; 1.7s restart c"; m.Faults != want {
		t.Errorf("faults %q, want %q", m.Faults, want)
	}
	if m.Params["writes"] != "3" {
		t.Errorf("writes %q, want 3", m.Params["writes"])
	}
	if m.Before.Actions != 11 || m.After.Actions != 2 || m.Before.Operations != 8 || m.After.Operations != 3 {
		t.Errorf("sizes %v → %v", m.Before, m.After)
	}
	out, err := scenarios.RunScenario(fragile, 1, scenarios.Options{Faults: m.Faults, Params: m.Params})
	if err != nil || scenarios.Signature(out) != m.Signature {
		t.Errorf("the smallest case replays as %v %v", err, out.Failures)
	}
	if !strings.Contains(m.Replay, "-faults '1.5s crash c; 1.7s restart c'") || !strings.Contains(m.Replay, "-p writes=3") {
		t.Errorf("replay %q", m.Replay)
	}
	if strings.Contains(m.RegressionTest("mypkg"), "Strategy") {
		t.Errorf("a random run's regression test names a strategy:\n%s", m.RegressionTest("mypkg"))
	}
	pct, err := scenarios.Minimize(fragile, 1, scenarios.Options{Strategy: "pct:d=2", Strict: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if test := pct.RegressionTest("mypkg"); !strings.Contains(test, `Strict: true, Strategy: "pct:d=2"`) {
		t.Errorf("the regression test of a pct, strict run does not replay it under pct and strict:\n%s", test)
	}
	test := m.RegressionTest("mypkg")
	for _, want := range []string{"package mypkg", "func TestRegressiontest_fragile1(t *testing.T)", `scenarios.Run("test/fragile", 1, opts)`, `Faults: "1.5s crash c; 1.7s restart c"`, `"writes": "3"`, "if !out.Passed"} {
		if !strings.Contains(test, want) {
			t.Errorf("regression test lacks %q:\n%s", want, test)
		}
	}
}

// TestMinimizeRefusesAPassingRun: nothing fails, nothing to shrink.
func TestMinimizeRefusesAPassingRun(t *testing.T) {
	if _, err := scenarios.Minimize(fragile, 1, scenarios.Options{Params: map[string]string{"writes": "2"}}, nil); err == nil || !strings.Contains(err.Error(), "passes") {
		t.Errorf("err %v, want a passing run refused", err)
	}
}

func TestSignatureBlanksNumbers(t *testing.T) {
	a := scenarios.Outcome{Failures: []*sim.Failure{{Kind: sim.Liveness, Msg: "one(\"100\") failed to reach agreement on 3 servers within 10 s; servers: …"}}}
	b := scenarios.Outcome{Failures: []*sim.Failure{{Kind: sim.Liveness, Msg: "one(\"512\") failed to reach agreement on 3 servers within 10 s"}}}
	c := scenarios.Outcome{Failures: []*sim.Failure{{Kind: sim.Invariant, Msg: "raft safety: two leaders"}}}
	if scenarios.Signature(a) != scenarios.Signature(b) || scenarios.Signature(a) == scenarios.Signature(c) {
		t.Errorf("signatures %q %q %q", scenarios.Signature(a), scenarios.Signature(b), scenarios.Signature(c))
	}
}
