package simrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/simlab-go/simlab/catalogue" // the scenarios these tests name
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// runsSoFar makes test/nondeterministic differ between two runs of a seed,
// the way a global variable in node code would.
var runsSoFar int

func init() {
	// test/flaky panics inside a node's handler for every seed divisible
	// by 3, so a sweep must record those failures and go on.
	scenarios.Register(scenarios.Scenario{
		Name:    "test/flaky",
		Summary: "a node panics on seeds divisible by 3",
		Run: func(c *scenarios.Case) {
			w := c.NewWorld(sim.Config{})
			bad := c.Seed()%3 == 0
			w.AddNode("boom", func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					if _, ok := ev.(*node.Start); ok {
						env.SetTimer(time.Second, nil)
					}
					if _, ok := ev.(*node.Timeout); ok && bad {
						panic("boom at the first timeout")
					}
				})
			})
			c.Must(w.RunFor(2 * time.Second))
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "test/nondeterministic",
		Summary: "reads state that survives from one run to the next",
		Run: func(c *scenarios.Case) {
			w := c.NewWorld(sim.Config{})
			runsSoFar++
			extra := runsSoFar % 2
			w.AddNode("a", func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					if _, ok := ev.(*node.Start); ok {
						for i := 0; i < 3+extra; i++ {
							env.SetTimer(time.Duration(i)*time.Millisecond, i)
						}
					}
				})
			})
			c.Must(w.RunFor(time.Second))
		},
	})
	// test/hidden-nondeterminism traces the same on every run, but its
	// check's verdict depends on which key a Go map yields first.
	scenarios.Register(scenarios.Scenario{
		Name:    "test/hidden-nondeterminism",
		Summary: "checks the first key a map iteration yields",
		Run: func(c *scenarios.Case) {
			w := c.NewWorld(sim.Config{})
			w.AddNode("a", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
			c.Must(w.RunFor(time.Second))
			m := map[int]bool{}
			for i := range 64 {
				m[i] = true
			}
			for k := range m {
				if k%2 == 1 {
					c.Failf("the first key is odd: %d", k)
				}
				break
			}
		},
	})
}

// nack is the message of test/livelock.
type nack struct{ N int }

func init() {
	// test/livelock races through events: a node answers every nack with
	// another, over a link of one microsecond.
	scenarios.Register(scenarios.Scenario{
		Name:    "test/livelock",
		Summary: "two nodes trading nacks forever",
		Run: func(c *scenarios.Case) {
			fast := sim.LinkConfig{LatencyMin: time.Microsecond}
			w := c.NewWorld(sim.Config{Link: &fast})
			for _, name := range []string{"a", "b"} {
				w.AddNode(name, func() node.Handler {
					return node.HandlerFunc(func(env node.Env, ev node.Event) {
						switch ev := ev.(type) {
						case *node.Start:
							if env.Self() == 0 {
								env.Send(1, nack{})
							}
						case *node.Recv:
							env.Send(ev.From, nack{ev.Msg.(nack).N + 1})
						}
					})
				})
			}
			c.Apply(w, nil)
			c.Must(w.RunFor(time.Hour))
		},
	})
}

// TestMain lets the test binary serve as a sweep's worker process.
func TestMain(m *testing.M) {
	ServeIfWorker()
	if args := os.Getenv(mainEnv); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			panic(err)
		}
		os.Exit(Program{}.Run(list, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(Program{}, args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

func TestVizFileWritten(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, nil, "-scenario", "kv/basic", "-seed", "3", "-viz", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "kv_basic-seed3-kv.html"))
	if err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("visualization: %d bytes, %v", len(b), err)
	}
}

func TestReplayIsExact(t *testing.T) {
	fingerprint := func() string {
		_, stdout, _ := runCLI(t, nil, "-scenario", "register/swarm", "-seed", "11")
		for _, line := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(line, "fingerprint:") {
				return line
			}
		}
		t.Fatalf("no fingerprint in:\n%s", stdout)
		return ""
	}
	if a, b := fingerprint(), fingerprint(); a != b {
		t.Errorf("two replays of one seed: %q and %q", a, b)
	}
}

func TestJSONLines(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "-scenario", "test/flaky", "-seeds", "1-6", "-json")
	if code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 2 failures and a summary:\n%s", len(lines), stdout)
	}
	for _, l := range lines[:2] {
		var f finding
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("failure line %q: %v", l, err)
		}
		if f.Type != "failure" || f.Kind != "panic" || !strings.Contains(f.Replay, "-seed ") || f.Seed%3 != 0 {
			t.Errorf("failure line %+v", f)
		}
	}
	var sum struct {
		Type   string `json:"type"`
		Runs   int    `json:"runs"`
		Failed int    `json:"failed"`
		Passed int    `json:"passed"`
	}
	if err := json.Unmarshal([]byte(lines[2]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Type != "summary" || sum.Runs != 6 || sum.Failed != 2 || sum.Passed != 4 {
		t.Errorf("summary %+v, want 6 runs, 2 failed, 4 passed", sum)
	}
}

// TestShardsPartitionTheSweep checks that the shards of a sweep together run
// every (scenario, seed) exactly once, by flag and by environment.
func TestShardsPartitionTheSweep(t *testing.T) {
	total := 0
	for i := 0; i < 3; i++ {
		c, err := parse(Program{}, []string{"-scenario", "register/*", "-seeds", "10", "-shard", strings.Join([]string{itoa(i), "3"}, "/")}, &bytes.Buffer{}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		it := newJobs(c.selected, c.seeds, c.shard)
		n := 0
		for _, ok := it.next(); ok; _, ok = it.next() {
			n++
		}
		if uint64(n) != it.total() && i == 0 {
			t.Errorf("shard %d: %d runs, total() says %d", i, n, it.total())
		}
		total += n
	}
	if want := 10 * len(mustMatch(t, "register/*")); total != want {
		t.Errorf("shards ran %d runs in all, want %d", total, want)
	}
	status := filepath.Join(t.TempDir(), "shard-status")
	env := map[string]string{"TEST_SHARD_INDEX": "1", "TEST_TOTAL_SHARDS": "2", "TEST_SHARD_STATUS_FILE": status}
	code, stdout, _ := runCLI(t, env, "-scenario", "register/basic", "-seeds", "10")
	if code != 0 || !strings.Contains(stdout, "5 runs (shard 1/2)") {
		t.Errorf("exit %d, stdout %q; want 5 runs of shard 1/2", code, stdout)
	}
	if _, err := os.Stat(status); err != nil {
		t.Errorf("TEST_SHARD_STATUS_FILE was not touched: %v", err)
	}
}

func mustMatch(t *testing.T, p string) []scenarios.Scenario {
	s, err := scenarios.Match(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestAnOutsideRunner: a Program with its own name and command prints its
// own replay commands and names itself in errors, with simrun's flags and
// exit statuses.
func TestAnOutsideRunner(t *testing.T) {
	p := Program{Name: "mysim", Command: "go run ./cmd/mysim"}
	var stdout, stderr bytes.Buffer
	code := p.Run([]string{"-scenario", "test/flaky", "-seeds", "3"}, &stdout, &stderr, func(string) string { return "" })
	if code != 1 || !strings.Contains(stdout.String(), "replay: go run ./cmd/mysim -scenario test/flaky -seed 3") {
		t.Errorf("exit %d, stdout %q; want 1 and a replay command of mysim", code, stdout.String())
	}
	stdout.Reset()
	code = p.Run([]string{"-scenario", "test/flaky", "-seed", "1"}, &stdout, &stderr, func(string) string { return "" })
	if code != 0 || !strings.Contains(stdout.String(), "replay:   go run ./cmd/mysim -scenario test/flaky -seed 1") {
		t.Errorf("exit %d, stdout %q; want 0 and mysim's replay command in the header", code, stdout.String())
	}
	stderr.Reset()
	if code := p.Run([]string{"-scenario", "nosuch/x", "-seed", "1"}, &stdout, &stderr, func(string) string { return "" }); code != 2 || !strings.HasPrefix(stderr.String(), "mysim: ") {
		t.Errorf("exit %d, stderr %q; want 2 and an error naming mysim", code, stderr.String())
	}
}

// TestMinimizeWritesARegressionTest: -minimize-out writes the smallest
// case as a test of the directory's package that requires it to pass.
func TestMinimizeWritesARegressionTest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "demo.go"), []byte("// Package demo.\npackage demo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "flaky_regression_test.go")
	code, stdout, stderr := runCLI(t, nil, "-minimize", "-scenario", "test/flaky", "-seed", "6", "-minimize-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"package demo\n", "func TestRegressiontest_flaky6(t *testing.T)", `scenarios.Run("test/flaky", 6, opts)`, "if !out.Passed"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", out, want, b)
		}
	}
	if !strings.Contains(stdout, "wrote:    "+out+" (package demo") {
		t.Errorf("stdout does not name the file: %s", stdout)
	}
}

// TestDigestNamesTheRuns: a sweep's digest is the same whatever the
// number of jobs, in worker processes or not, and for its shards merged;
// another set of runs gives another digest.
func TestDigestNamesTheRuns(t *testing.T) {
	digest := regexp.MustCompile(`(?m)^digest: ([0-9a-f]{16})`)
	get := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, nil, args...)
		m := digest.FindStringSubmatch(stdout)
		if code != 0 || m == nil {
			t.Fatalf("%v: exit %d, no digest:\n%s\n%s", args, code, stdout, stderr)
		}
		return m[1]
	}
	sweep := []string{"-scenario", "register/basic,register/partitions", "-seeds", "12"}
	one := get(append(sweep, "-jobs", "1", "-isolate=false")...)
	if two := get(append(sweep, "-jobs", "2")...); two != one {
		t.Errorf("-jobs 1 gave digest %s, -jobs 2 %s", one, two)
	}
	dir := t.TempDir()
	var files []string
	for i := 0; i < 3; i++ {
		_, stdout, _ := runCLI(t, nil, append(sweep, "-shard", fmt.Sprintf("%d/3", i), "-json")...)
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		if err := os.WriteFile(f, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if merged := get(append([]string{"-merge"}, files...)...); merged != one {
		t.Errorf("the merged shards' digest is %s, the whole sweep's %s", merged, one)
	}
	if other := get("-scenario", "register/basic,register/partitions", "-seeds", "2-13"); other == one {
		t.Errorf("seeds 2-13 gave the digest of seeds 1-12")
	}
}
