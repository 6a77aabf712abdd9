package mapreducecat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

// brokenMR is the named mapreduce scenario with tweak applied to every
// cluster it builds.
func brokenMR(t *testing.T, name string, tweak func(*mrSetup)) scenarios.Scenario {
	t.Helper()
	for _, s := range mrCatalogue(tweak) {
		if s.Name == name {
			s.Name = "broken-" + name
			return s
		}
	}
	t.Fatalf("no scenario %s", name)
	return scenarios.Scenario{}
}

// TestMapReduceCatalogueCatchesBugs shows the catalogue catching each
// broken variant of broken_test.go within a stated number of seeds, while
// the correct system passes the very seed that caught it.
// mrBug is one broken variant of broken_test.go and the scenario that
// catches it.
type mrBug struct {
	bug         string
	scenario    string
	tweak       func(*mrSetup)
	withinSeeds uint64 // measured first catch and share of seeds 1-1000 caught in the comments
	first       uint64 // the first failing seed
}

func mrBugs() []mrBug {
	coord := func(wrap func(node.Handler) node.Handler) func(*mrSetup) {
		return func(s *mrSetup) { s.wrapCoord = wrap }
	}
	worker := func(wrap func(node.Handler) node.Handler) func(*mrSetup) {
		return func(s *mrSetup) { s.wrapWorker = wrap }
	}
	return []mrBug{
		{"the coordinator keeps a lost worker's completed maps", "mapreduce/crash", coord(keepLostMaps), 5, 1},                                         // 96.7%
		{"the coordinator is done once every reduce is handed out", "mapreduce/wordcount", coord(doneWhenAssigned), 5, 1},                              // 100%
		{"a reducer writes its output in place, in two pieces", "mapreduce/wordcount", worker(directCommit), 5, 1},                                     // 100%
		{"a worker does not sync its incarnation number", "mapreduce/crash", worker(volatileIncarnation), 20, 3},                                       // 28.0%
		{"a reducer waits for a re-executed map", "mapreduce/worker-loss", worker(waitForReexecution), 20, 4},                                          // 27.6%
		{"the coordinator never marks a silent worker failed", "mapreduce/worker-loss", func(s *mrSetup) { s.coordConfig = noFailureDetector }, 20, 4}, // 74.1%
		// Before storage-cut checked what its summary claims, it passed
		// this coordinator: the cut workers finished their attempts after
		// the heal, within the deadline.
		{"the coordinator never hands out a timed-out attempt again", "mapreduce/storage-cut", func(s *mrSetup) { s.coordConfig = noTaskTimeout }, 5, 1}, // 100%
		// mapreduce/crash caught this one at 0.4% of seeds 1-1000 (first at 284);
		// mapreduce/stale-incarnations, written for the hole a coverage
		// sweep showed (holes.go), catches it at 84 of 200.
		{"the coordinator takes an old incarnation's messages for the current one's", "mapreduce/stale-incarnations", coord(trustStaleIncarnations), 20, 5}, // 42%
	}
}

func TestMapReduceCatalogueCatchesBugs(t *testing.T) {
	tests := mrBugs()
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			if testing.Short() && tt.withinSeeds > 20 {
				t.Skipf("needs up to %d seeds", tt.withinSeeds)
			}
			seed, out := scenariotest.FirstFailingSeed(t, brokenMR(t, tt.scenario, tt.tweak), tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
			}
			t.Logf("%s caught it at seed %d: %v", tt.scenario, seed, out.Failures[0].Msg)
			if n := scenariotest.ShareSeeds(t); n > 0 {
				k := scenariotest.FailingShare(t, brokenMR(t, tt.scenario, tt.tweak), n, scenarios.Options{})
				t.Logf("%s caught it at %d of seeds 1-%d (%.1f%%)", tt.scenario, k, n, 100*float64(k)/float64(n))
			}
			good, err := scenarios.Run(tt.scenario, seed, scenarios.Options{})
			if err != nil || !good.Passed {
				t.Fatalf("the correct system fails seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}

// TestMapReduceReplay: every mapreduce scenario gives one seed the same
// fingerprint, statistics and schedule twice, traced or not, and different
// seeds different fingerprints.
func TestMapReduceReplay(t *testing.T) {
	list, err := scenarios.Match("mapreduce/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		seen := map[uint64]uint64{}
		for seed := uint64(1); seed <= 4; seed++ {
			a, _ := scenarios.Run(s.Name, seed, scenarios.Options{})
			b, _ := scenarios.Run(s.Name, seed, scenarios.Options{Trace: func(sim.Record) {}})
			if a.Fingerprint != b.Fingerprint || a.Stats != b.Stats || a.Faults != b.Faults {
				t.Fatalf("%s seed %d: fingerprints %016x and %016x", s.Name, seed, a.Fingerprint, b.Fingerprint)
			}
			if other, dup := seen[a.Fingerprint]; dup {
				t.Fatalf("%s: seeds %d and %d share fingerprint %016x", s.Name, other, seed, a.Fingerprint)
			}
			seen[a.Fingerprint] = seed
		}
	}
}

// TestMapReduceInputFiles runs word count and the inverted index over files
// named by a glob, writes the outputs with out=DIR, and reports a bad glob
// or one matching nothing as bad input.
func TestMapReduceInputFiles(t *testing.T) {
	dir := t.TempDir()
	texts := map[string]string{"b.txt": "It was the best of times, it was the worst of times.", "a.txt": "the age of wisdom", "notes.md": "skipped"}
	for name, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	glob := filepath.Join(dir, "*.txt")
	for _, name := range []string{"mapreduce/wordcount", "mapreduce/indexer"} {
		out := filepath.Join(t.TempDir(), "out")
		got, err := scenarios.Run(name, 1, scenarios.Options{Params: map[string]string{"input": glob, "out": out, "workers": "3", "reduces": "2"}})
		if err != nil || !got.Passed {
			t.Fatalf("%s over %s: %v %+v", name, glob, err, got.Failures)
		}
		var files []mapreduce.File
		for r := range 2 {
			data, err := os.ReadFile(filepath.Join(out, mapreduce.OutputName(r)))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, mapreduce.File{Name: mapreduce.OutputName(r), Data: data})
		}
		kvs, err := mapreduce.MergeOutputs(files)
		if err != nil {
			t.Fatal(err)
		}
		text := string(mapreduce.FormatOutput(kvs))
		wantLine := map[string]string{"mapreduce/wordcount": "the 3\n", "mapreduce/indexer": "the 2 " + filepath.ToSlash(filepath.Join(dir, "a.txt")) + ","}[name]
		if !strings.Contains(text, wantLine) || strings.Contains(text, "skipped") {
			t.Errorf("%s output lacks %q or reads notes.md:\n%s", name, wantLine, text)
		}
	}
	for _, tt := range []struct{ glob, want string }{
		{filepath.Join(dir, "[.txt"), "not a valid glob"},
		{filepath.Join(dir, "*.pdf"), "matches no file"},
	} {
		_, err := scenarios.Run("mapreduce/wordcount", 1, scenarios.Options{Params: map[string]string{"input": tt.glob}})
		var ue *scenarios.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("input=%s: %v; want a usage error saying %q", tt.glob, err, tt.want)
		}
	}
}

// TestMapReduceRunsARegisteredJob runs a job registered by a user (keys
// with spaces, values with colons) through mapreduce/job and under crashes,
// and reports an unknown job as bad input.
func TestMapReduceRunsARegisteredJob(t *testing.T) {
	lengths := mapreduce.Job{Name: "test-lengths", Summary: "words by length",
		Map: func(_, contents string) []mapreduce.KeyValue {
			var kvs []mapreduce.KeyValue
			for _, w := range strings.Fields(contents) {
				kvs = append(kvs, mapreduce.KeyValue{Key: fmt.Sprintf("%d letters", len(w)), Value: w})
			}
			return kvs
		},
		Reduce: func(_ string, values []string) string { return fmt.Sprintf("%d: %s", len(values), values[0]) },
	}
	if _, ok := mapreduce.Lookup(lengths.Name); !ok { // -count=2 runs this twice
		mapreduce.Register(lengths)
	}
	for _, name := range []string{"mapreduce/job", "mapreduce/crash", "mapreduce/swarm"} {
		for seed := uint64(1); seed <= 3; seed++ {
			out, err := scenarios.Run(name, seed, scenarios.Options{Params: map[string]string{"job": "test-lengths"}})
			if err != nil || !out.Passed {
				t.Fatalf("%s seed %d with job test-lengths: %v %+v", name, seed, err, out.Failures)
			}
		}
	}
	_, err := scenarios.Run("mapreduce/job", 1, scenarios.Options{Params: map[string]string{"job": "nosuch"}})
	var ue *scenarios.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "registered: indexer,") {
		t.Errorf("job=nosuch: %v; want a usage error listing the jobs", err)
	}
}
