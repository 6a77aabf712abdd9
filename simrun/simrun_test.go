package simrun

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
}

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(Program{}, args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

// vizDir receives the visualizations TestExitStatusAndMessages writes.
var vizDir = filepath.Join(os.TempDir(), "simrun-test-viz")

func TestExitStatusAndMessages(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{"list", []string{"-list"}, nil, 0, []string{"register/swarm", "-p ops=40"}, nil},
		{"replay one seed prints seed and options first", []string{"-scenario", "register/basic", "-seed", "7"}, nil, 0,
			[]string{"scenario: register/basic\nseed:     7\noptions:  strict=false", "result:   PASS", "fingerprint: "}, nil},
		{"sweep passes", []string{"-scenario", "register/basic,register/swarm", "-seeds", "4-6", "-jobs", "2"}, nil, 0,
			[]string{"6 runs (shard 0/1)", "6 passed, 0 failed"}, nil},
		{"panicking node is recorded with replay and the sweep goes on", []string{"-scenario", "test/flaky", "-seeds", "9"}, nil, 1,
			[]string{"FAIL test/flaky seed 3: panic: boom", "replay: go run ./cmd/simrun -scenario test/flaky -seed 6",
				"FAIL test/flaky seed 9", "9 runs", "6 passed, 3 failed"}, nil},
		{"failing replay prints report", []string{"-scenario", "test/flaky", "-seed", "3"}, nil, 1,
			[]string{"result:   FAIL (1 failures)", "stack:", "trace records:", "replay: go run ./cmd/simrun -scenario test/flaky -seed 3"}, nil},
		{"unknown scenario suggests close names", []string{"-scenario", "register/swram", "-seed", "1"}, nil, 2,
			nil, []string{`no scenario matches "register/swram"; did you mean register/swarm`}},
		{"malformed seed range", []string{"-scenario", "register/basic", "-seeds", "10-1"}, nil, 2,
			nil, []string{"want N (seeds 1 to N) or A-B"}},
		{"malformed seed", []string{"-scenario", "register/basic", "-seed", "-4"}, nil, 2,
			nil, []string{"want a non-negative integer"}},
		{"no seed", []string{"-scenario", "register/basic"}, nil, 2, nil, []string{"no seed given"}},
		{"no scenario", []string{"-seed", "1"}, nil, 2, nil, []string{"no scenario given"}},
		{"unknown flag", []string{"-bogus"}, nil, 2, nil, []string{"flag provided but not defined: -bogus"}},
		{"stray argument", []string{"-list", "extra"}, nil, 2, nil, []string{`unexpected argument "extra"`}},
		{"unknown parameter", []string{"-scenario", "register/basic", "-seed", "1", "-p", "nodes=3"}, nil, 2,
			nil, []string{`has no parameter "nodes"; it takes replicas, clients, ops`}},
		{"bad parameter value", []string{"-scenario", "register/basic", "-seed", "1", "-p", "ops=many"}, nil, 2,
			nil, []string{`parameter ops="many" of register/basic must be an integer`}},
		{"bad fault schedule", []string{"-scenario", "register/basic", "-seed", "1", "-faults", "1s explode s1"}, nil, 2,
			nil, []string{`unknown operation "explode"`}},
		{"fault schedule naming a missing node", []string{"-scenario", "register/basic", "-seed", "1", "-faults", "1s crash s7"}, nil, 2,
			nil, []string{`names node "s7", which scenario register/basic does not have`}},
		{"bad shard", []string{"-scenario", "register/basic", "-seeds", "4", "-shard", "4/4"}, nil, 2, nil, []string{"want i/n with 0 ≤ i < n"}},
		{"bad shard variables", []string{"-scenario", "register/basic", "-seeds", "4"},
			map[string]string{"TEST_SHARD_INDEX": "x", "TEST_TOTAL_SHARDS": "2"}, 2, nil, []string{"TEST_SHARD_INDEX"}},
		{"-v with a sweep", []string{"-scenario", "register/basic", "-seeds", "4", "-v"}, nil, 2, nil, []string{"-v prints one run's trace"}},
		{"-viz writes the history's visualization", []string{"-scenario", "kv/basic", "-seed", "2", "-viz", vizDir}, nil, 0,
			[]string{"result:   PASS", "visualizations of checked histories are in " + vizDir}, nil},
		{"bad check timeout", []string{"-scenario", "kv/basic", "-seed", "2", "-check-timeout", "-1s"}, nil, 2, nil, []string{"want a positive duration"}},
		{"figures a scenario reports are printed", []string{"-scenario", "mapreduce/stragglers", "-seed", "1"}, nil, 0,
			[]string{"note:     job time with one worker 10x slower: ", "without backup tasks"}, nil},
		{"-v prints the trace", []string{"-scenario", "register/basic", "-seed", "1", "-v", "-p", "ops=2"}, nil, 0,
			[]string{"trace:", "start", "recv", "register.QueryReq", "per node:", "           s0 "}, nil},
		{"fault override replays a schedule", []string{"-scenario", "register/basic", "-seed", "1", "-faults", "1s crash s1; 2s restart s1"}, nil, 0,
			[]string{"faults:   1s crash s1; 2s restart s1", "1 crashes, 1 restarts"}, nil},
		{"-input runs word count on files, seed 1 by default", []string{"-input", "*.go"}, nil, 0,
			[]string{"scenario: mapreduce/wordcount\nseed:     1\n", "params=[input=*.go]", "result:   PASS", "-p 'input=*.go'"}, nil},
		{"-input matching no file", []string{"-input", "nosuch/*.txt"}, nil, 2,
			nil, []string{`-input "nosuch/*.txt" matches no file`}},
		{"-input with a scenario that takes no files", []string{"-scenario", "register/basic", "-input", "*.go", "-seed", "1"}, nil, 2,
			nil, []string{"-input: scenario register/basic takes no input files"}},
		{"determinism check passes for a deterministic scenario", []string{"-scenario", "register/swarm", "-seeds", "5", "-check-determinism"}, nil, 0,
			[]string{"5 seeds run twice", "5 passed"}, nil},
		{"determinism check names the first divergent event", []string{"-scenario", "test/nondeterministic", "-seeds", "1", "-check-determinism", "-jobs", "1"}, nil, 1,
			[]string{"nondeterminism: two runs of the same seed differ", "first divergent trace record is #", "one run:", "other run:"}, nil},
	}
	os.RemoveAll(vizDir)
	defer os.RemoveAll(vizDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
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
		var f jsonLine
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
		total += len(c.runs())
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
