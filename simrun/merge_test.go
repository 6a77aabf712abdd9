package simrun

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMergedShardsEqualTheUnshardedSweep runs a sweep as four shard
// processes (two sharded by -shard, two as a Kubernetes Indexed Job's pods
// by JOB_COMPLETION_INDEX), merges their -json outputs, and requires the
// merged failures and tallies to be the unsharded sweep's.
func TestMergedShardsEqualTheUnshardedSweep(t *testing.T) {
	sweep := []string{"-scenario", "test/flaky,register/basic", "-seeds", "1-12", "-json", "-strategy", "pct"}
	dir := t.TempDir()
	var files []string
	for i := 0; i < 4; i++ {
		args, env := sweep, []string(nil)
		if i < 2 {
			args = append(slices.Clone(sweep), "-shard", fmt.Sprintf("%d/4", i))
		} else {
			env = []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), "JOB_COMPLETIONS=4"}
		}
		list, _ := json.Marshal(args)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(append(os.Environ(), mainEnv+"="+string(list)), env...)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			t.Fatalf("shard %d: %v\n%s", i, err, out)
		}
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	code, merged, stderr := runCLI(t, nil, append([]string{"-merge", "-json"}, files...)...)
	if code != 1 {
		t.Fatalf("merge: exit %d, want 1 (test/flaky fails seeds 3, 6, 9, 12)\n%s", code, stderr)
	}
	code, whole, _ := runCLI(t, nil, sweep...)
	if code != 1 {
		t.Fatalf("unsharded sweep: exit %d, want 1", code)
	}
	mFail, mSum := splitSweep(t, merged)
	wFail, wSum := splitSweep(t, whole)
	if len(wFail) != 4 {
		t.Fatalf("the unsharded sweep found %d failures, want test/flaky's four:\n%s", len(wFail), whole)
	}
	if !slices.Equal(mFail, wFail) {
		t.Errorf("merged failures\n%s\nwant the unsharded sweep's\n%s", strings.Join(mFail, "\n"), strings.Join(wFail, "\n"))
	}
	if mSum != wSum {
		t.Errorf("merged tallies %s, want the unsharded sweep's %s", mSum, wSum)
	}

	// The text form lists each failure with its replay command.
	code, text, _ := runCLI(t, nil, append([]string{"-merge"}, files...)...)
	for _, want := range []string{"FAIL test/flaky seed 3: panic", "replay: go run ./cmd/simrun -scenario test/flaky -seed 12 -strategy pct", "24 runs of -scenario test/flaky,register/basic -seeds 1-12 -strategy pct in 4 shards", "20 passed, 4 failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("merge's text lacks %q:\n%s", want, text)
		}
	}
	if code != 1 {
		t.Errorf("merge: exit %d, want 1", code)
	}
}

// splitSweep returns a sweep's -json failure lines, sorted, and its
// tallies, as JSON.
func splitSweep(t *testing.T, out string) ([]string, string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sum struct {
		Scenarios map[string]*tally `json:"scenarios"`
		tally
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("summary %q: %v", lines[len(lines)-1], err)
	}
	b, _ := json.Marshal(sum)
	fails := slices.Clone(lines[:len(lines)-1])
	slices.Sort(fails)
	return fails, string(b)
}

// TestMergeRefusesWhatIsNotOneWholeSweep: a missing, repeated, cut-off,
// interrupted or foreign shard is bad input (exit 2, nothing printed on
// stdout), named with its fix.
func TestMergeRefusesWhatIsNotOneWholeSweep(t *testing.T) {
	dir := t.TempDir()
	shardOut := func(name string, args ...string) string {
		t.Helper()
		_, out, _ := runCLI(t, nil, append([]string{"-scenario", "test/flaky", "-json"}, args...)...)
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	a := shardOut("a", "-seeds", "6", "-shard", "0/2")
	b := shardOut("b", "-seeds", "6", "-shard", "1/2")
	other := shardOut("other", "-seeds", "7", "-shard", "1/2")
	write := func(name, text string) string {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(text), 0o644)
		return f
	}
	whole, _ := os.ReadFile(a)
	lines := strings.Split(strings.TrimSpace(string(whole)), "\n")
	cut := write("cut", strings.Join(lines[:len(lines)-1], "\n")+"\n")
	noise := write("noise", "go: downloading something\n"+string(whole))
	var sum summary
	json.Unmarshal([]byte(lines[len(lines)-1]), &sum)
	sum.Interrupted = "never started: test/flaky seeds 5-6"
	line, _ := json.Marshal(sum)
	interrupted := write("interrupted", strings.Join(append(lines[:len(lines)-1], string(line)), "\n")+"\n")

	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"a shard missing", []string{a}, "shard 1/2 missing: a merge of part of a sweep would report runs that never happened; give all 2 shards' outputs"},
		{"a shard twice", []string{a, a, b}, "are both shard 0/2: give each shard once"},
		{"a shard of another sweep", []string{a, other}, `are not shards of one sweep: -seeds "1-6" against "1-7"`},
		{"a shard cut off", []string{cut, b}, "has no summary line: the shard did not finish"},
		{"an interrupted shard", []string{interrupted, b}, "was interrupted (never started: test/flaky seeds 5-6); rerun it"},
		{"a line that is not JSON", []string{noise, b}, "noise:1 is not a line of simrun -json output"},
		{"two outputs in one file", []string{write("two", string(whole)+string(whole)), b}, "follows the summary line: give each shard's output in a file of its own"},
		{"no such file", []string{filepath.Join(dir, "nope"), b}, "no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append([]string{"-merge"}, tc.files...)...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if code, out, _ := runCLI(t, nil, "-merge", b, a); code != 1 || !strings.Contains(out, "6 runs of -scenario test/flaky -seeds 1-6 in 2 shards") {
		t.Errorf("the whole sweep merges: exit %d\n%s", code, out)
	}
}

// TestKubernetesIndexedJobShards: JOB_COMPLETION_INDEX with JOB_COMPLETIONS
// selects a shard; the index alone is refused with the fix.
func TestKubernetesIndexedJobShards(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want shard
		err  string
	}{
		{map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "8"}, shard{3, 8}, ""},
		{map[string]string{"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "1"}, shard{0, 1}, ""},
		{map[string]string{"JOB_COMPLETION_INDEX": "3"}, shard{}, "JOB_COMPLETIONS is not"},
		{map[string]string{"JOB_COMPLETION_INDEX": "8", "JOB_COMPLETIONS": "8"}, shard{}, "want 0 ≤ index < completions"},
		{map[string]string{"JOB_COMPLETION_INDEX": "1", "JOB_COMPLETIONS": "4", "TEST_SHARD_INDEX": "2", "TEST_TOTAL_SHARDS": "3"}, shard{2, 3}, ""},
		{map[string]string{}, shard{0, 1}, ""},
	}
	for _, tc := range tests {
		got, err := parseShard("", func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: %v, %v; want an error saying %q", tc.env, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.env, got, err, tc.want)
		}
	}
}
