package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitStatusAndMessages runs the command line over good and bad input:
// bad input exits 2 with a message naming the problem and the fix, and
// runs nothing (stdout stays empty).
func TestExitStatusAndMessages(t *testing.T) {
	vizDir := t.TempDir()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(t.TempDir(), "old_test.go")
	if err := os.WriteFile(existing, []byte("package old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rb := []string{"-scenario", "register/basic", "-seed", "1"}
	with := func(extra ...string) []string { return append(append([]string{}, rb...), extra...) }
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		// Listing.
		{"list", []string{"-list"}, nil, 0, []string{"register/swarm", "-p ops=40", "(1 to 10000)"}, nil},
		{"list says which scenarios have fixed faults", []string{"-list"}, nil, 0, []string{"fixed faults: it checks that the minority"}, nil},
		{"-list with another flag", []string{"-list", "-scenario", "raft/*"}, nil, 2, nil, []string{"-list takes no other flag but -pkg, yet -scenario was given"}},
		{"-list with a stray argument", []string{"-list", "extra"}, nil, 2, nil, []string{`unexpected argument "extra"`}},
		{"help", []string{"-h"}, nil, 0, nil, []string{"usage: simrun", "-run-timeout"}},
		{"-faults help lists every operation from the table", []string{"-faults", "help"}, nil, 0, []string{"crash-mid  NODE\n", "damage     NODE flip|zero|truncate|lose [FILE]\n", "calm", "under: armed, down)"}, nil},
		{"-faults help with a run", with("-faults", "help"), nil, 2, nil, []string{"-faults help lists the fault operations and runs nothing"}},

		// Searching.
		{"-search finds the first failure", []string{"-search", "6", "-scenario", "test/flaky", "-seeds", "1-4"}, nil, 1,
			[]string{"searching test/flaky: plain seeds 1-4", "found:    run 3, seed 3: panic: boom at the first timeout", "replay:   go run ./cmd/simrun -scenario test/flaky -seed 3"}, nil},
		{"-search finding nothing", []string{"-search", "5", "-scenario", "register/basic", "-seeds", "2"}, nil, 0, []string{"nothing failed: 5 runs in"}, nil},
		{"-search with -seed", []string{"-search", "5", "-scenario", "register/basic", "-seed", "2"}, nil, 2, nil, []string{"give -scenario NAME and -seeds N (or A-B), not -seed"}},
		{"-search with -faults", []string{"-search", "5", "-scenario", "register/basic", "-seeds", "2", "-faults", "1s crash s1"}, nil, 2, nil, []string{"-search draws its own fault schedules: drop -faults"}},
		{"-search of fixed faults", []string{"-search", "5", "-scenario", "kv/minority-leader", "-seeds", "2"}, nil, 2, nil, []string{"kv/minority-leader takes none but its own"}},
		{"-search budget below its seeds", []string{"-search", "5", "-scenario", "register/basic", "-seeds", "10"}, nil, 2, nil, []string{"starts from 10 plain seeds (-seeds), more than its budget"}},
		{"-search with -json", []string{"-search", "5", "-json", "-scenario", "register/basic", "-seeds", "2"}, nil, 2, nil, []string{"-search prints its own steps"}},
		{"-search negative", []string{"-search", "-1", "-scenario", "register/basic", "-seeds", "2"}, nil, 2, nil, []string{"-search -1: give a budget of at least one run"}},

		// Minimizing.
		{"-minimize a failing run", []string{"-minimize", "-scenario", "test/flaky", "-seed", "3"}, nil, 0,
			[]string{"minimizing test/flaky seed 3", "fails: panic: boom at the first timeout", "failure:  panic: boom at the first timeout", "after:    0 actions", "replay:   go run ./cmd/simrun -scenario test/flaky -seed 3"}, nil},
		{"-minimize a passing run", []string{"-minimize", "-scenario", "test/flaky", "-seed", "1"}, nil, 2, nil, []string{"test/flaky seed 1 passes: there is nothing to minimize; give a seed that fails"}},
		{"-minimize without a seed", []string{"-minimize", "-scenario", "test/flaky", "-seeds", "3"}, nil, 2, nil, []string{"-minimize shrinks one failing run: give -scenario NAME and -seed N"}},
		{"-minimize with -json", []string{"-minimize", "-json", "-scenario", "test/flaky", "-seed", "3"}, nil, 2, nil, []string{"-minimize prints its own steps"}},
		{"-minimize-out without -minimize", with("-minimize-out", filepath.Join(vizDir, "x_test.go")), nil, 2, nil, []string{"-minimize-out writes what -minimize finds: add -minimize"}},
		{"-minimize-out not a test file", []string{"-minimize", "-minimize-out", filepath.Join(vizDir, "x.go"), "-scenario", "test/flaky", "-seed", "3"}, nil, 2, nil, []string{"a Go test file's name ends in _test.go"}},
		{"-minimize-out over an existing file", []string{"-minimize", "-minimize-out", existing, "-scenario", "test/flaky", "-seed", "3"}, nil, 2, nil, []string{"exists: give a new file, nothing is overwritten"}},

		// Reports.
		{"-html with -minimize", []string{"-minimize", "-html", vizDir, "-scenario", "test/flaky", "-seed", "3"}, nil, 2, nil, []string{"-html draws one run, and -minimize runs many"}},
		{"-html into a file", with("-html", notADir), nil, 2, nil, []string{"-html " + notADir, "give a directory you can write to"}},

		// Strategies.
		{"-strategy pct is in the options and the replay command", []string{"-scenario", "register/basic", "-seed", "7", "-strategy", "pct:d=5"}, nil, 0,
			[]string{"options:  strict=false strategy=pct:d=5", "replay:   go run ./cmd/simrun -scenario register/basic -seed 7 -strategy pct:d=5", "result:   PASS"}, nil},
		{"-strategy random is the default and left out of the replay", []string{"-scenario", "register/basic", "-seed", "7", "-strategy", "random"}, nil, 0,
			[]string{"strategy=random", "replay:   go run ./cmd/simrun -scenario register/basic -seed 7\n"}, nil},
		{"-strategy unknown", []string{"-scenario", "register/basic", "-seed", "7", "-strategy", "pos"}, nil, 2, nil, []string{`unknown strategy "pos": want random, pct`}},
		{"-strategy with a bad setting", []string{"-scenario", "register/*", "-seeds", "3", "-strategy", "pct:d=0"}, nil, 2, nil, []string{`strategy "pct:d=0": d="0": must be from 1 to 50`}},
		{"-strategy with a depth past its bound", []string{"-scenario", "register/*", "-seeds", "3", "-strategy", "pct:d=99999999999"}, nil, 2, nil, []string{`d="99999999999": must be from 1 to 50`}},
		{"a scenario that bounds latency refuses a strategy", []string{"-scenario", "kv/speed", "-seed", "1", "-strategy", "pct"}, nil, 2, nil,
			[]string{"scenario kv/speed takes no strategy but the default (its latency bound assumes no message is held back): -strategy pct holds messages back by design"}},
		{"a sweep under a strategy leaves out the scenarios that refuse it, and says so", []string{"-scenario", "kv/speed,register/basic", "-seeds", "2", "-strategy", "pct"}, nil, 0,
			[]string{"2 runs", "left out, taking no strategy but the default: kv/speed (its latency bound"}, nil},
		{"-list says which scenarios take the default strategy only", []string{"-list"}, nil, 0, []string{"default strategy only: its message bounds"}, nil},
		{"-strategy with a step past its bound", []string{"-scenario", "register/*", "-seeds", "3", "-strategy", "pct:step=1h"}, nil, 2, nil, []string{`step="1h": must be from 0 to 50ms`}},

		// One seed.
		{"replay prints seed, summary and options first", []string{"-scenario", "register/basic", "-seed", "7"}, nil, 0,
			[]string{"scenario: register/basic\nsummary:  3 replicas", "seed:     7\noptions:  strict=false", "result:   PASS", "fingerprint: ", "× faster than real time"}, nil},
		{"failing replay prints the report", []string{"-scenario", "test/flaky", "-seed", "3"}, nil, 1,
			[]string{"result:   FAIL (1 failures)", "stack:", "trace records around the failure", "replay: go run ./cmd/simrun -scenario test/flaky -seed 3"}, nil},
		{"figures a scenario reports are printed", []string{"-scenario", "mapreduce/stragglers", "-seed", "1"}, nil, 0,
			[]string{"note:     job time with one worker 10x slower: ", "without backup tasks"}, nil},
		{"-v prints the trace and per-node statistics", []string{"-scenario", "register/basic", "-seed", "1", "-v", "-p", "ops=2"}, nil, 0,
			[]string{"trace:", "start", "recv", "register.QueryReq", "per node:", "           s0 "}, nil},
		{"-v filtered by node and kind", []string{"-scenario", "register/basic", "-seed", "1", "-v", "-p", "ops=2", "-trace-node", "s0", "-trace-kind", "recv"}, nil, 0,
			[]string{"trace (nodes s0, kinds recv):", "recv     c0 → s0"}, nil},
		{"a fault schedule replaces the scenario's", with("-faults", "1s crash s1; 2s restart s1"), nil, 0,
			[]string{"faults:   1s crash s1; 2s restart s1", "1 crashes, 1 restarts"}, nil},
		{"NONE means no faults", with("-faults", "NONE"), nil, 0, []string{"faults:   none", "result:   PASS"}, nil},
		{"a fixed scenario takes its own schedule", []string{"-scenario", "raft/basic-agree", "-seed", "1", "-faults", "none"}, nil, 0,
			[]string{"result:   PASS"}, nil},
		{"-viz writes the history's visualization", []string{"-scenario", "kv/basic", "-seed", "2", "-viz", vizDir}, nil, 0,
			[]string{"result:   PASS", "visualizations of checked histories are in " + vizDir}, nil},
		{"-input runs word count on files, seed 1 by default", []string{"-input", "*.go"}, nil, 0,
			[]string{"scenario: mapreduce/wordcount\n", "seed:     1\n", "params=[input=*.go]", "result:   PASS", "-p 'input=*.go'"}, nil},
		{"seeds at the top of the range, lazily", []string{"-scenario", "register/basic", "-seeds", "18446744073709551614-18446744073709551615", "-jobs", "1"}, nil, 0,
			[]string{"2 runs (shard 0/1)", "2 passed"}, nil},

		// Sweeps.
		{"a sweep passes", []string{"-scenario", "register/basic,register/swarm", "-seeds", "4-6", "-jobs", "2"}, nil, 0,
			[]string{"6 runs (shard 0/1)", "6 passed, 0 failed"}, nil},
		{"a panicking node is recorded with its replay and the sweep goes on", []string{"-scenario", "test/flaky", "-seeds", "9"}, nil, 1,
			[]string{"FAIL test/flaky seed 3: panic: boom", "replay: go run ./cmd/simrun -scenario test/flaky -seed 6",
				"FAIL test/flaky seed 9", "9 runs", "6 passed, 3 failed"}, nil},
		{"a determinism check passes a deterministic scenario", []string{"-scenario", "register/swarm", "-seeds", "5", "-check-determinism"}, nil, 0,
			[]string{"5 seeds run twice", "5 passed"}, nil},
		{"a determinism check names the first divergent event", []string{"-scenario", "test/nondeterministic", "-seeds", "1", "-check-determinism", "-jobs", "1"}, nil, 1,
			[]string{"nondeterminism: two runs of the same seed differ", "first divergent trace record is #", "one run:", "other run:"}, nil},
		{"a divergence the trace does not see is said to lie outside it", []string{"-scenario", "test/hidden-nondeterminism", "-seeds", "40", "-check-determinism", "-jobs", "1"}, nil, 1,
			[]string{"the same trace fingerprint", "lies in state the trace does not record", "a Go map"}, nil},
		{"a livelock is reported with what it was doing", []string{"-scenario", "test/livelock", "-seed", "1"}, nil, 1,
			[]string{"livelock failure", "a → b simrun.nack ×"}, nil},

		// Scenarios and seeds.
		{"unknown scenario suggests close names", []string{"-scenario", "register/swram", "-seed", "1"}, nil, 2,
			nil, []string{`no scenario matches "register/swram"; did you mean register/swarm`}},
		{"malformed pattern", []string{"-scenario", "register/[", "-seed", "1"}, nil, 2, nil, []string{"malformed"}},
		{"no scenario", []string{"-seed", "1"}, nil, 2, nil, []string{"no scenario given"}},
		{"no seed", []string{"-scenario", "register/basic"}, nil, 2, nil, []string{"no seed given"}},
		{"-seed and -seeds", []string{"-scenario", "register/basic", "-seed", "1", "-seeds", "3"}, nil, 2, nil, []string{"not both"}},
		{"negative seed", []string{"-scenario", "register/basic", "-seed", "-4"}, nil, 2, nil, []string{"want a positive integer"}},
		{"seed 0", []string{"-scenario", "register/basic", "-seed", "0"}, nil, 2, nil, []string{"seeds start at 1"}},
		{"-seeds 0", []string{"-scenario", "register/basic", "-seeds", "0"}, nil, 2, nil, []string{"seeds starting at 1"}},
		{"-seeds 0-0", []string{"-scenario", "register/basic", "-seeds", "0-0"}, nil, 2, nil, []string{"seeds start at 1"}},
		{"-seeds 0-5", []string{"-scenario", "register/basic", "-seeds", "0-5"}, nil, 2, nil, []string{"seeds start at 1"}},
		{"a range that ends before it starts", []string{"-scenario", "register/basic", "-seeds", "10-1"}, nil, 2, nil, []string{"ends (1) before it starts (10)"}},
		{"seeds that are not numbers", []string{"-scenario", "register/basic", "-seeds", "many"}, nil, 2, nil, []string{"want N (seeds 1 to N) or A-B"}},
		{"a seed past 2^64", []string{"-scenario", "register/basic", "-seed", "18446744073709551616"}, nil, 2, nil, []string{"want a positive integer"}},

		// Flags.
		{"unknown flag", []string{"-bogus"}, nil, 2, nil, []string{"unknown flag -bogus (-h lists every flag)"}},
		{"misspelled flag", []string{"-sede", "1"}, nil, 2, nil, []string{"unknown flag -sede; did you mean -seed?"}},
		{"misspelled long flag", []string{"-check-determinsm"}, nil, 2, nil, []string{"did you mean -check-determinism?"}},
		{"a flag without its value", []string{"-scenario"}, nil, 2, nil, []string{"flag needs an argument: -scenario"}},
		{"-check-timeout without a unit", with("-check-timeout", "10"), nil, 2, nil, []string{"a duration needs a unit, e.g. 10s"}},
		{"negative -check-timeout", with("-check-timeout", "-1s"), nil, 2, nil, []string{"want a positive duration"}},
		{"zero -check-timeout", with("-check-timeout", "0s"), nil, 2, nil, []string{"want a positive duration"}},
		{"zero -run-timeout", with("-run-timeout", "0s"), nil, 2, nil, []string{"-run-timeout 0s: want a positive duration"}},
		{"-jobs 0", []string{"-scenario", "register/basic", "-seeds", "3", "-jobs", "0"}, nil, 2, nil, []string{"-jobs 0: want 1 to 1024"}},
		{"-jobs 5000", []string{"-scenario", "register/basic", "-seeds", "3", "-jobs", "5000"}, nil, 2, nil, []string{"want 1 to 1024"}},
		{"-v with a sweep", []string{"-scenario", "register/basic", "-seeds", "4", "-v"}, nil, 2, nil, []string{"-v prints one run's trace"}},
		{"-v with several scenarios", []string{"-scenario", "register/*", "-seed", "4", "-v"}, nil, 2, nil, []string{"-v prints one run's trace"}},
		{"-v with -json", with("-v", "-json"), nil, 2, nil, []string{"give one of them"}},
		{"-v with -check-determinism", with("-v", "-check-determinism"), nil, 2, nil, []string{"-check-determinism runs each seed twice"}},
		{"a trace filter without -v", with("-trace-node", "s0"), nil, 2, nil, []string{"filter the trace of -v: add -v"}},
		{"a trace of a node the scenario does not have", with("-v", "-trace-node", "s99"), nil, 2, nil, []string{"-trace-node names s99, which register/basic does not have; its nodes are s0, s1, s2, c0, c1, c2"}},
		{"a parameter the scenario refuses prints no header", []string{"-scenario", "kv/basic", "-seed", "1", "-p", "log=etcd"}, nil, 2, nil, []string{`log="etcd": want raft or paxos`}},
		{"a trace kind that does not exist", with("-v", "-trace-kind", "message"), nil, 2, nil, []string{`no record is of kind "message"`}},
		{"a trace window that ends before it starts", with("-v", "-trace-from", "3s", "-trace-to", "1s"), nil, 2, nil, []string{"want 0 ≤ from ≤ to"}},
		{"-shard with -seed", with("-shard", "0/2"), nil, 2, nil, []string{"a single -seed cannot be split"}},
		{"a shard out of range", []string{"-scenario", "register/basic", "-seeds", "4", "-shard", "4/4"}, nil, 2, nil, []string{"want i/n with 0 ≤ i < n"}},
		{"a malformed shard", []string{"-scenario", "register/basic", "-seeds", "4", "-shard", "half"}, nil, 2, nil, []string{"want i/n"}},
		{"bad shard variables", []string{"-scenario", "register/basic", "-seeds", "4"},
			map[string]string{"TEST_SHARD_INDEX": "x", "TEST_TOTAL_SHARDS": "2"}, 2, nil, []string{"TEST_SHARD_INDEX"}},
		{"-viz into a file", []string{"-scenario", "kv/basic", "-seed", "2", "-viz", notADir}, nil, 2, nil, []string{"give a directory you can write to"}},
		{"-viz on a scenario that checks no history", with("-viz", vizDir), nil, 2, nil, []string{"scenario register/basic checks none"}},

		// Parameters.
		{"unknown parameter", with("-p", "nodes=3"), nil, 2, nil, []string{`has no parameter "nodes"; it takes replicas, clients, ops`}},
		{"a parameter that is not a number", with("-p", "ops=many"), nil, 2, nil, []string{`parameter ops="many" of register/basic must be an integer from 1 to 10000`}},
		{"a negative count", []string{"-scenario", "raft/figure8", "-seed", "1", "-p", "iters=-5"}, nil, 2, nil, []string{"must be an integer from 1 to 100000"}},
		{"too many replicas", with("-p", "replicas=100000"), nil, 2, nil, []string{"must be an integer from 1 to 15"}},
		{"a parameter given twice", with("-p", "ops=1", "-p", "ops=2"), nil, 2, nil, []string{"parameter ops is given twice"}},
		{"a parameter without a value", with("-p", "ops"), nil, 2, nil, []string{"want -p name=value"}},
		{"a parameter of a scenario that takes none", []string{"-scenario", "raft/basic-agree", "-seed", "1", "-p", "iters=3"}, nil, 2, nil, []string{"takes no parameters"}},
		{"-input naming a directory", []string{"-input", vizDir}, nil, 2, nil, []string{"is a directory: give a glob of the text files in it"}},
		{"-input matching no file", []string{"-input", "nosuch/*.txt"}, nil, 2, nil, []string{`-input "nosuch/*.txt" matches no file`}},
		{"-input with a scenario that takes no files", []string{"-scenario", "register/basic", "-input", "*.go", "-seed", "1"}, nil, 2, nil, []string{"-input: scenario register/basic takes no input files"}},
		{"-input and -p input=", []string{"-input", "*.go", "-p", "input=*.txt"}, nil, 2, nil, []string{"-input and -p input= both given"}},

		// Fault schedules.
		{"an unknown operation", with("-faults", "1s explode s1"), nil, 2, nil, []string{`unknown operation "explode"`}},
		{"a refusal to start is counted", []string{"-scenario", "raft/damaged-disk", "-seed", "2"}, nil, 0,
			[]string{"1 refusal to start over a damaged disk", "note:     s", "refused to start: damaged durable state"}, nil},
		{"a schedule over several lines is printed on one", with("-faults", "1s crash s1 # first\n2s restart s1"), nil, 0,
			[]string{"faults:   1s crash s1; 2s restart s1\n", "-faults '1s crash s1; 2s restart s1'"}, nil},
		{"a missing argument", with("-faults", "1s crash"), nil, 2, nil, []string{`crash takes "NODE"`}},
		{"a time that is not a duration", with("-faults", "soon crash s1"), nil, 2, nil, []string{`"soon" is not a time`}},
		{"a time past the budget", with("-faults", "1000h crash s1"), nil, 2, nil, []string{"past the run's 24h0m0s virtual-time budget"}},
		{"actions out of order", with("-faults", "2s heal; 1s heal"), nil, 2, nil, []string{"comes before"}},
		{"a missing node", with("-faults", "1s crash s7"), nil, 2, nil, []string{`names node "s7", which scenario register/basic does not have; its nodes are s0, s1, s2, c0, c1, c2`}},
		{"a node only some scenarios have, nothing run", []string{"-scenario", "register/swarm,register/basic", "-seeds", "3", "-faults", "1s crash s4; 2s restart s4"}, nil, 2,
			nil, []string{`names node "s4", which scenario register/basic does not have`}},
		{"loss NaN", with("-faults", "1s loss NaN"), nil, 2, nil, []string{`"NaN" is not a probability in [0, 1]`}},
		{"loss above 1", with("-faults", "1s loss 1.5"), nil, 2, nil, []string{"is not a probability"}},
		{"a clock drift of NaN", with("-faults", "1s clock s0 10ms NaN"), nil, 2, nil, []string{"must be a number greater than -1"}},
		{"a clock too far off", with("-faults", "1s clock s0 1h 5"), nil, 2, nil, []string{"drift 5 is outside [-0.5, 1]"}},
		{"a schedule of separators only", with("-faults", ";;"), nil, 2, nil, []string{`fault schedule ";;" holds no action: write none`}},
		{"damage of an unknown kind", with("-faults", "1s damage s0 melt"), nil, 2, nil, []string{"damage takes flip, zero, truncate or lose"}},
		{"a partition with one group", with("-faults", "1s partition s0,s1"), nil, 2, nil, []string{"a partition needs two groups or more"}},
		{"overlapping partition groups", with("-faults", "1s partition s0,s1|s1,s2"), nil, 2, nil, []string{"node s1 is named twice"}},
		{"an empty group", with("-faults", "1s partition s0||s1"), nil, 2, nil, []string{"an empty group"}},
		{"a link to itself", with("-faults", "1s cut s1,s1"), nil, 2, nil, []string{"two different nodes"}},
		{"a ring of two", with("-faults", "1s ring s0,s1"), nil, 2, nil, []string{"a ring needs three nodes or more"}},
		{"a restart of a node that is up", with("-faults", "1s restart s1"), nil, 2, nil, []string{"s1 is not down at that point of the schedule"}},
		{"a crash of a node that is down", with("-faults", "1s crash s1; 2s crash s1"), nil, 2, nil, []string{"s1 is already down"}},
		{"a restart by role", []string{"-scenario", "raft/figure8", "-seed", "1", "-faults", "1s crash leader; 2s restart leader"}, nil, 2, nil, []string{"restart takes a node's name, not a role"}},
		{"a fixed scenario refuses another schedule", []string{"-scenario", "raft/fail-no-agree", "-seed", "1", "-faults", "1s heal"}, nil, 2,
			nil, []string{"takes no schedule of yours: it checks that the minority", "its own schedule for seed 1, which is"}},
		{"a fixed scenario refuses -faults in a sweep", []string{"-scenario", "kv/minority-leader", "-seeds", "3", "-faults", "none"}, nil, 2,
			nil, []string{"is accepted only as its own schedule for one seed: use -seed"}},
		{"a schedule for two worlds to a scenario with one", with("-faults", "1s heal / 2s heal"), nil, 2, nil, []string{"gives 2 schedules", "applies schedules to 1 worlds: give 1"}},
		{"a schedule per world of a scenario with two", []string{"-scenario", "mapreduce/stragglers", "-seed", "1", "-faults", "none / none"}, nil, 0, []string{"faults:   none / none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if tt.wantCode == 2 && stdout != "" {
				t.Errorf("bad input ran something; stdout:\n%s", stdout)
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
	if len(tests) < 60 {
		t.Errorf("%d cases; keep every case the issue listed, over 60", len(tests))
	}
}
