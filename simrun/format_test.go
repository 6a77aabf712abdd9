package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// TestFormatsRenderOneResult: a run's findings and a summary, written as
// JSON lines and read back the way -merge reads a shard, render as the
// same text as the values they were written from.
func TestFormatsRenderOneResult(t *testing.T) {
	r := result{Outcome: scenarios.Outcome{Scenario: "raft/figure8", Seed: 3, Faults: "1s crash s1",
		Failures: []*sim.Failure{{Kind: "invariant", Msg: "two leaders in term 4", Node: "s2", Detail: "line one\nline two"}},
		Unknown:  []string{"the check ran out of time"}}}
	fs := r.findings("simrun -scenario raft/figure8 -seed 3")
	if len(fs) != 2 || fs[0].Type != "failure" || fs[1].Type != "unknown" {
		t.Fatalf("findings %+v: want a failure and an unknown", fs)
	}
	s := summary{Type: "summary", Scenarios: map[string]*tally{"raft/figure8": {Runs: 1, Failed: 1}}, Shard: "0/1",
		Pattern: "raft/*", Seeds: "1-1", WallSeconds: 2, RunsPerSec: 0.5, tally: tally{Runs: 1, Failed: 1, Digest: 42}}

	var direct, viaJSON, lines strings.Builder
	text := textFormat{&direct}
	js := jsonFormat{&lines}
	for _, f := range fs {
		text.finding(f)
		js.finding(f)
	}
	js.summary(s)
	file := filepath.Join(t.TempDir(), "shard.jsonl")
	if err := os.WriteFile(file, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := readShard(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range back.failures {
		textFormat{&viaJSON}.finding(f)
	}
	if direct.String() != viaJSON.String() {
		t.Errorf("text of the findings:\n%s\nread back from JSON:\n%s", direct.String(), viaJSON.String())
	}
	if back.summary.Runs != 1 || back.summary.Digest != 42 || back.index != 0 || back.total != 1 {
		t.Errorf("summary read back: %+v", back.summary)
	}
	for _, want := range []string{"FAIL raft/figure8 seed 3: invariant: two leaders in term 4\n    line one\n    line two\n    replay: simrun", "UNKNOWN raft/figure8 seed 3: unknown: the check ran out of time"} {
		if !strings.Contains(direct.String(), want) {
			t.Errorf("text %q lacks %q", direct.String(), want)
		}
	}
	var sum strings.Builder
	textFormat{&sum}.summary(s)
	if !strings.HasPrefix(sum.String(), "1 runs (shard 0/1) in 2s, 0.50 runs/s: 0 passed, 1 failed, 0 unknown\ndigest: 000000000000002a") {
		t.Errorf("summary text %q", sum.String())
	}
}
