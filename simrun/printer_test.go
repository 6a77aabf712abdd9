package simrun

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// TestAFailureLineStartsOnAClearedLine: on a terminal stdout and stderr
// are one screen, so the progress line must be erased before a FAIL line
// is written, or the two run together.
func TestAFailureLineStartsOnAClearedLine(t *testing.T) {
	var screen strings.Builder
	p := &printer{c: &config{}, format: textFormat{&screen}, progress: &screen}
	p.showProgress(tally{Runs: 7}, 100, time.Second)
	p.report(result{Outcome: scenarios.Outcome{Scenario: "raft/figure8", Seed: 3, Failures: []*sim.Failure{{Kind: "invariant", Msg: "two leaders"}}}})
	p.report(result{Outcome: scenarios.Outcome{Scenario: "raft/figure8", Seed: 4}}) // passed: prints nothing
	p.showProgress(tally{Runs: 9, Failed: 1}, 100, time.Second)
	p.clearProgress()
	got := screen.String()
	want := "\r\033[K[7/100] 0 failed, 0 unknown, 7.0 runs/s" +
		"\r\033[KFAIL raft/figure8 seed 3: invariant: two leaders\n"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("screen %q\nwant it to start %q", got, want)
	}
	if !strings.HasSuffix(got, "[9/100] 1 failed, 0 unknown, 9.0 runs/s\r\033[K") {
		t.Errorf("screen %q: the last progress line is not erased at the end", got)
	}
	if n := strings.Count(got, "\r\033[K"); n != 4 {
		t.Errorf("screen %q: %d erasures, want 4 (two lines shown, each erased once)", got, n)
	}
}
