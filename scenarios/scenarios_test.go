package scenarios

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// seedsPerScenario is how many seeds TestEveryScenario runs; SIMLAB_SEEDS
// raises it for a longer local sweep.
func seedsPerScenario(t *testing.T) uint64 {
	if s := os.Getenv("SIMLAB_SEEDS"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SIMLAB_SEEDS=%q: want a number", s)
		}
		return n
	}
	return 8
}

func TestEveryScenario(t *testing.T) {
	n := seedsPerScenario(t)
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= n; seed++ {
				// Every other seed in strict mode, proving the
				// scenario's messages survive gob.
				out, err := Run(s.Name, seed, Options{Strict: seed%2 == 0})
				if err != nil {
					t.Fatal(err)
				}
				if !out.Passed {
					for _, f := range out.Failures {
						t.Errorf("%s", f.Report())
					}
					for _, u := range out.Unknown {
						t.Errorf("seed %d unknown: %s", seed, u)
					}
				}
				if out.Events == 0 || out.VirtualTime == 0 {
					t.Errorf("seed %d ran %d events over %v: the scenario did nothing", seed, out.Events, out.VirtualTime)
				}
			}
		})
	}
}

// TestReplay runs 1,000 seeds twice: each seed must give the same
// fingerprint and statistics both times, and no two seeds the same
// fingerprint.
func TestReplay(t *testing.T) {
	seeds := uint64(1000)
	if testing.Short() {
		seeds = 100
	}
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= seeds; seed++ {
		a, err := Run("register/swarm", seed, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Run("register/swarm", seed, Options{})
		if a.Fingerprint != b.Fingerprint || a.Stats != b.Stats || a.Faults != b.Faults {
			t.Fatalf("seed %d: fingerprints %016x and %016x, stats %+v and %+v", seed, a.Fingerprint, b.Fingerprint, a.Stats, b.Stats)
		}
		if other, dup := seen[a.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %016x", other, seed, a.Fingerprint)
		}
		seen[a.Fingerprint] = seed
	}
}

func TestTracingDoesNotChangeTheRun(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		plain, _ := Run("register/swarm", seed, Options{})
		n := 0
		traced, _ := Run("register/swarm", seed, Options{Trace: func(sim.Record) { n++ }})
		if plain.Fingerprint != traced.Fingerprint {
			t.Fatalf("seed %d: fingerprint %016x untraced, %016x traced", seed, plain.Fingerprint, traced.Fingerprint)
		}
		if n < int(traced.Events) {
			t.Fatalf("seed %d: %d trace records for %d events", seed, n, traced.Events)
		}
	}
}

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
	Register(panicky)
	defer delete(registry, panicky.Name)
	out, err := Run(panicky.Name, 99, Options{Strict: true})
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

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		opts     Options
		want     string
	}{
		{"unknown scenario", "register/swram", Options{}, "did you mean register/swarm"},
		{"unknown parameter", "register/basic", Options{Params: map[string]string{"nodes": "3"}}, `has no parameter "nodes"`},
		{"bad parameter value", "register/basic", Options{Params: map[string]string{"ops": "x"}}, "must be an integer"},
		{"bad schedule", "register/basic", Options{Faults: "1s crash"}, "crash takes"},
		{"schedule naming a missing node", "register/basic", Options{Faults: "1s crash s9"}, `names node "s9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(tt.scenario, 1, tt.opts)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a *UsageError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		patterns string
		want     []string
		wantErr  string
	}{
		{"register/basic", []string{"register/basic"}, ""},
		{"register/s*", []string{"register/swarm"}, ""},
		{"register/swarm,register/b*", []string{"register/basic", "register/swarm"}, ""},
		{"nosuch/*", nil, "no scenario matches"},
		{"register/[", nil, "malformed"},
	}
	for _, tt := range tests {
		got, err := Match(tt.patterns)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Match(%q) error = %v, want %q", tt.patterns, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name)
		}
		if strings.Join(names, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Match(%q) = %v, want %v", tt.patterns, names, tt.want)
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
