package simrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
)

// TestCoverageTable: a -coverage sweep (in worker processes) reports the
// marks its runs reached, as the runs themselves count them, lists every
// other declared mark of the same systems as never reached, and changes
// no run.
func TestCoverageTable(t *testing.T) {
	sweep := []string{"-scenario", "register/crash-restart,mapreduce/storage-cut", "-seeds", "3", "-coverage"}
	code, out, stderr := runCLI(t, nil, append(sweep, "-json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum summary
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &sum); err != nil || sum.Coverage == nil {
		t.Fatalf("summary %q: %v; want a coverage table", out, err)
	}

	// The same runs in this process, counted by hand.
	want := newCoverTally()
	for _, name := range []string{"register/crash-restart", "mapreduce/storage-cut"} {
		for seed := uint64(1); seed <= 3; seed++ {
			on, err := scenarios.Run(name, seed, scenarios.Options{Coverage: true, TraceTail: -1})
			if err != nil {
				t.Fatal(err)
			}
			off, _ := scenarios.Run(name, seed, scenarios.Options{TraceTail: -1})
			if on.Fingerprint != off.Fingerprint {
				t.Errorf("%s seed %d: fingerprint %x with coverage, %x without; want one run", name, seed, on.Fingerprint, off.Fingerprint)
			}
			want.addRun(on.Coverage)
		}
	}
	if got := sum.Coverage; !sameJSON(got, want.report()) {
		t.Errorf("the sweep's table\n%+v\nwant what the runs counted\n%+v", got, want.report())
	}
	reached := map[string]bool{}
	for _, r := range sum.Coverage.Marks {
		reached[r.Mark] = true
	}
	if !reached["mapreduce/attempt-timed-out"] || !reached["register/replica-recovered"] {
		t.Errorf("marks reached %v; want mapreduce/attempt-timed-out (storage-cut) and register/replica-recovered (crash-restart)", reached)
	}
	for _, m := range node.Marks() {
		if sys := m.System(); (sys == "register" || sys == "mapreduce") && !reached[m.Name] && !slices.Contains(sum.Coverage.Never, m.Name) {
			t.Errorf("%s was neither reached nor listed as never reached", m.Name)
		}
		if strings.HasPrefix(m.Name, "raft/") && slices.Contains(sum.Coverage.Never, m.Name) {
			t.Errorf("%s listed as never reached by a sweep that ran no Raft", m.Name)
		}
	}

	code, text, _ := runCLI(t, nil, sweep...)
	for _, w := range []string{"coverage: ", "mapreduce/attempt-timed-out", "partition", "never"} {
		if !strings.Contains(text, w) {
			t.Errorf("the table lacks %q:\n%s", w, text)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}

	// Shards merged give the same table.
	dir := t.TempDir()
	var files []string
	for i, shard := range []string{"0/2", "1/2"} {
		_, o, _ := runCLI(t, nil, append(sweep, "-json", "-shard", shard)...)
		f := filepath.Join(dir, "s"+string(rune('0'+i)))
		os.WriteFile(f, []byte(o), 0o644)
		files = append(files, f)
	}
	_, merged, stderr := runCLI(t, nil, append([]string{"-merge", "-json"}, files...)...)
	var m summary
	if err := json.Unmarshal([]byte(strings.TrimSpace(merged)), &m); err != nil {
		t.Fatalf("merged %q: %v %s", merged, err, stderr)
	}
	if !sameJSON(m.Coverage, sum.Coverage) {
		t.Errorf("merged table\n%+v\nwant the unsharded sweep's\n%+v", m.Coverage, sum.Coverage)
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
