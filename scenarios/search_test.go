package scenarios_test

import (
	"errors"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// The marks of deep: how many times node s has restarted.
var deepMarks = []node.Mark{
	node.NewMark("test-deep/restart-1", "s restarted once"),
	node.NewMark("test-deep/restart-2", "s restarted twice"),
	node.NewMark("test-deep/restart-3", "s restarted three times"),
}

// deep fails only when node s restarts four times; its own schedule
// crashes it once. Each restart more reaches a mark no run had reached,
// the way a system's rare state lies behind a chain of odd ones.
var deep = scenarios.Scenario{
	Name:    "test/deep",
	Summary: "s restarting four times fails",
	Run: func(c *scenarios.Case) {
		w := c.NewWorld(sim.Config{})
		restarts := 0
		for _, name := range []string{"s", "t"} {
			w.AddNode(name, func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					if st, ok := ev.(*node.Start); ok && st.Restarted && env.Self() == 0 {
						restarts++
						if restarts <= len(deepMarks) {
							env.Mark(deepMarks[restarts-1])
						}
					}
				})
			})
		}
		r := c.Rand("faults")
		at := r.Duration(100*time.Millisecond, 500*time.Millisecond).Round(time.Millisecond)
		c.Apply(w, scenarios.Schedule{
			{At: at, Op: "crash", Args: []string{"s"}},
			{At: at + 100*time.Millisecond, Op: "restart", Args: []string{"s"}},
			{At: 2 * time.Second, Op: "calm"},
		})
		c.Must(w.RunFor(3 * time.Second))
		if restarts >= 4 {
			c.Failf("s restarted %d times", restarts)
		}
	},
}

func TestSearchReachesWhatSeedsDoNot(t *testing.T) {
	trials := []struct{ seed uint64 }{{1}, {2}, {3}}
	for _, tt := range trials {
		res, err := scenarios.Search(deep, scenarios.SearchOptions{Runs: 300, Seed: tt.seed})
		if err != nil {
			t.Fatal(err)
		}
		if res.Found == nil {
			t.Fatalf("search %d: nothing found in %d runs (corpus %d)", tt.seed, res.Runs, res.Corpus)
		}
		t.Logf("search %d: found at run %d (corpus %d, features %d): %s", tt.seed, res.FoundAt, res.Corpus, res.Features, res.Found.Replay)
		// The failing run replays from its seed and schedule alone.
		again, err := scenarios.RunScenario(deep, res.Found.Seed, scenarios.Options{Faults: res.Found.Options.Faults})
		if err != nil || again.Passed {
			t.Fatalf("the failing run does not replay: %v %+v", err, again.Failures)
		}
		// The search is a function of its options.
		twice, err := scenarios.Search(deep, scenarios.SearchOptions{Runs: 300, Seed: tt.seed})
		if err != nil || twice.FoundAt != res.FoundAt || twice.Found.Options.Faults != res.Found.Options.Faults {
			t.Fatalf("the same search found another run: %v at %d, then at %d", err, res.FoundAt, twice.FoundAt)
		}
	}
	for seed := uint64(1); seed <= 300; seed++ {
		out, err := scenarios.RunScenario(deep, seed, scenarios.Options{})
		if err != nil || !out.Passed {
			t.Fatalf("plain seed %d fails: %v %+v", seed, err, out.Failures)
		}
	}
}

func TestSearchRefusesFixedFaults(t *testing.T) {
	fixed := deep
	fixed.FixedFaults = "it checks what its own faults cause"
	_, err := scenarios.Search(fixed, scenarios.SearchOptions{Runs: 10})
	var u *scenarios.UsageError
	if !errors.As(err, &u) || !errors.Is(err, scenarios.ErrFixedFaults) {
		t.Fatalf("got %v, want a usage error saying the scenario takes only its own faults", err)
	}
}

func TestSearchWithinBudget(t *testing.T) {
	calm := deep
	calm.Run = func(c *scenarios.Case) {
		w := c.NewWorld(sim.Config{})
		w.AddNode("s", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
		c.Apply(w, scenarios.Schedule{{At: 100 * time.Millisecond, Op: "crash", Args: []string{"s"}}, {At: time.Second, Op: "calm"}})
		c.Must(w.RunFor(2 * time.Second))
	}
	res, err := scenarios.Search(calm, scenarios.SearchOptions{Runs: 25})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != nil || res.Runs != 25 {
		t.Fatalf("a scenario that cannot fail: found %v after %d runs; want nothing after 25", res.Found, res.Runs)
	}
}
