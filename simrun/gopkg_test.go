package simrun

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

const basicsPkg = "../guest/testdata/basics"

func TestPackageList(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "-pkg", basicsPkg, "-list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "TestSleepy\nTestTimers\nTestBusy\nTestFiles\nTestFlaky\nTestPanic\nTestBlocked\nTestSpin\n"
	if stdout != want {
		t.Errorf("-list printed\n%s\nwant\n%s", stdout, want)
	}
}

var replayLine = regexp.MustCompile(`(?m)^    replay: go run \./cmd/simrun (.*)$`)

// TestPackageSweepAndReplay sweeps a package's tests, finds the failing
// seeds with the tests' own messages, and replays one from the command the
// sweep printed.
func TestPackageSweepAndReplay(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "-pkg", basicsPkg, "-test-timeout", "1m", "-scenario", "TestFlaky,TestPanic,TestSleepy", "-seeds", "12")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (failures found)\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{": test: basics_test.go:", ": drew three", ": panic: assignment to entry in nil map", "TestSleepy 12/12"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the sweep's output lacks %q:\n%s", want, stdout)
		}
	}
	m := replayLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no replay command in:\n%s", stdout)
	}
	args := strings.Fields(m[1])
	if !strings.HasPrefix(m[1], "-pkg "+basicsPkg+" -test-timeout 1m0s -scenario Test") {
		t.Errorf("replay command %q does not name the package, the timeout and the test", m[1])
	}
	code, first, stderr := runCLI(t, nil, args...)
	if code != 1 {
		t.Fatalf("replay %v: exit %d, want 1\n%s\n%s", args, code, first, stderr)
	}
	for _, want := range []string{"binary:   basics, sha256 ", "output:\n  | --- FAIL: ", "FAIL: "} {
		if !strings.Contains(first, want) {
			t.Errorf("the replay lacks %q:\n%s", want, first)
		}
	}
	_, second, _ := runCLI(t, nil, args...)
	fp := regexp.MustCompile(`fingerprint: \w+`)
	if a, b := fp.FindString(first), fp.FindString(second); a == "" || a != b {
		t.Errorf("two replays: %q and %q", a, b)
	}
}

func TestPackageDeterminism(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "-pkg", basicsPkg, "-run", "Timers|Files|Busy", "-seeds", "4", "-check-determinism")
	if code != 0 || !strings.Contains(stdout, "12 seeds run twice") || !strings.Contains(stdout, "12 passed") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestPackageLoopWithoutWaits: a test that loops for ever is stopped by
// the wall-clock limit below -run-timeout, reported with the guest's
// stack, and the sweep goes on.
func TestPackageLoopWithoutWaits(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "-pkg", basicsPkg, "-scenario", "TestSpin,TestTimers", "-seeds", "4", "-run-timeout", "3s")
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{": wall-limit: still running after", "a loop that never waits?", "basics.TestSpin", "TestTimers 4/4"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestGuestWallLimit(t *testing.T) {
	for _, tt := range []struct{ runTimeout, want time.Duration }{
		{2 * time.Minute, 108 * time.Second},  // a tenth as margin
		{5 * time.Second, 4 * time.Second},    // a second at least
		{time.Second, 500 * time.Millisecond}, // never less than half
	} {
		if got := guestWallLimit(tt.runTimeout); got != tt.want {
			t.Errorf("guestWallLimit(%v) = %v, want %v", tt.runTimeout, got, tt.want)
		}
	}
}

func TestPackageBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no such directory", []string{"-pkg", "no/such/dir", "-seeds", "1"}, "is not a directory"},
		{"a package that does not build", []string{"-pkg", "../guest/testdata/nobuild", "-seeds", "1"}, "undefinedOnPurpose"},
		{"a fault schedule", []string{"-pkg", basicsPkg, "-seeds", "1", "-faults", "1s crash s1"}, "-faults does not apply to the tests of -pkg"},
		{"a misspelt test", []string{"-pkg", basicsPkg, "-seeds", "1", "-scenario", "TestFlakey"}, "did you mean TestFlaky"},
		{"a bad -run", []string{"-pkg", basicsPkg, "-seeds", "1", "-run", "Test("}, "is not a regular expression"},
		{"a -run that matches nothing", []string{"-pkg", basicsPkg, "-seeds", "1", "-run", "Nothing"}, `-run "Nothing" matches none of the 8 selected`},
		{"a test timeout without a package", []string{"-scenario", "register/basic", "-seed", "1", "-test-timeout", "1m"}, "-test-timeout applies to the tests of -pkg"},
		{"a work cost of nothing", []string{"-pkg", basicsPkg, "-seeds", "1", "-work-cost", "0s"}, "-work-cost 0s: want the virtual time 1,000 units of work take"},
		{"an unknown goroutine schedule", []string{"-pkg", basicsPkg, "-seeds", "1", "-sched", "lifo"}, `-sched "lifo": unknown goroutine schedule`},
		{"a goroutine schedule without a package", []string{"-scenario", "register/basic", "-seed", "1", "-sched", "shuffle"}, "-sched applies to the tests of -pkg"},
		{"a negative test timeout", []string{"-pkg", basicsPkg, "-seeds", "1", "-test-timeout", "-1m"}, "want a positive duration of virtual time"},
		{"a report", []string{"-pkg", basicsPkg, "-seed", "1", "-scenario", "TestFlaky", "-html", "x"}, "-html does not apply"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestLabFixturePlantedBug sweeps the lab-like fixture's bug-catching test:
// its planted double vote is found, with the test's own message, and the
// failing seed replays exactly. The README names the seed for go1.26.8;
// another toolchain draws other runs from the same seeds.
func TestLabFixturePlantedBug(t *testing.T) {
	const fixture = "../guest/testdata/labfixture"
	code, stdout, stderr := runCLI(t, nil, "-pkg", fixture, "-scenario", "TestUnreliableAgreement", "-seeds", "12")
	if code != 1 {
		t.Fatalf("exit %d, want 1: the planted bug was not found in seeds 1-12\n%s\n%s", code, stdout, stderr)
	}
	first := regexp.MustCompile(`FAIL TestUnreliableAgreement seed (\d+): test: config\.go:\d+: (two leaders in term \d+: \d and \d|apply error: .*)`).FindStringSubmatch(stdout)
	if first == nil {
		t.Fatalf("no failure saying two leaders in a term:\n%s", stdout)
	}
	if runtime.Version() == "go1.26.8" && first[1] != "5" {
		t.Errorf("the first failing seed is %s; the README says 5 for go1.26.8", first[1])
	}
	var fps []string
	for range 2 {
		code, out, _ := runCLI(t, nil, "-pkg", fixture, "-scenario", "TestUnreliableAgreement", "-seed", first[1])
		if code != 1 || !strings.Contains(out, first[2]) {
			t.Fatalf("replaying seed %s: exit %d, want 1 and %q:\n%s", first[1], code, first[2], out)
		}
		fps = append(fps, regexp.MustCompile(`fingerprint: \w+`).FindString(out))
	}
	if fps[0] != fps[1] {
		t.Errorf("two replays of seed %s: %s and %s", first[1], fps[0], fps[1])
	}
}

// TestPackageRunIsItsBinarys: a run is a function of the test binary, its
// arguments and the seed, not of how the package's path was spelt (the
// program's name and the build directory would otherwise reach it).
func TestPackageRunIsItsBinarys(t *testing.T) {
	abs, err := filepath.Abs(basicsPkg)
	if err != nil {
		t.Fatal(err)
	}
	fp := regexp.MustCompile(`fingerprint: \w+`)
	var got []string
	for _, pkg := range []string{basicsPkg, abs, basicsPkg + "/"} {
		code, out, stderr := runCLI(t, nil, "-pkg", pkg, "-scenario", "TestTimers", "-seed", "3")
		if code != 0 {
			t.Fatalf("-pkg %s: exit %d\n%s\n%s", pkg, code, out, stderr)
		}
		got = append(got, fp.FindString(out))
	}
	if got[0] == "" || got[0] != got[1] || got[0] != got[2] {
		t.Errorf("one seed, the package named three ways: %q", got)
	}
}

// TestPackageShardsMerge: a package's sweep in two shards, each as JSON,
// merges into the unsharded sweep (the same runs, the same digest), and a
// shard of another binary is refused.
func TestPackageShardsMerge(t *testing.T) {
	sweep := []string{"-pkg", basicsPkg, "-run", "Timers|Sleepy", "-seeds", "4", "-json"}
	_, whole, stderr := runCLI(t, nil, sweep...)
	var want summary
	if err := json.Unmarshal([]byte(lastLine(whole)), &want); err != nil || want.Binary == "" {
		t.Fatalf("unsharded summary %q (%v): no binary hash\n%s", lastLine(whole), err, stderr)
	}
	dir := t.TempDir()
	var files []string
	for i, shard := range []string{"0/2", "1/2"} {
		code, out, stderr := runCLI(t, nil, append(sweep, "-shard", shard)...)
		if code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", shard, code, stderr)
		}
		f := filepath.Join(dir, fmt.Sprintf("shard%d.jsonl", i))
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	code, merged, stderr := runCLI(t, nil, append([]string{"-merge", "-json"}, files...)...)
	var got summary
	if err := json.Unmarshal([]byte(lastLine(merged)), &got); code != 0 || err != nil {
		t.Fatalf("merge: exit %d, %v\n%s\n%s", code, err, merged, stderr)
	}
	if got.Runs != 8 || got.Passed != 8 || got.Digest != want.Digest || got.Binary != want.Binary {
		t.Errorf("merged: %d runs, %d passed, digest %x, binary %s; want 8, 8, %x, %s", got.Runs, got.Passed, got.Digest, got.Binary, want.Digest, want.Binary)
	}

	// A shard that claims another binary is not part of this sweep.
	b, _ := os.ReadFile(files[1])
	forged := strings.ReplaceAll(string(b), want.Binary, strings.Repeat("0", len(want.Binary)))
	if err := os.WriteFile(files[1], []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, nil, append([]string{"-merge"}, files...)...)
	if code != 2 || out != "" || stderr == "" {
		t.Errorf("a shard of another binary: exit %d, stdout %q, stderr %q; want 2 and a reason", code, out, stderr)
	}
	t.Logf("refused: %s", strings.TrimSpace(stderr))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
