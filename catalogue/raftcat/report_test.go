package raftcat

import (
	"testing"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/report/reporttest"
	"github.com/simlab-go/simlab/scenarios"
)

// TestReportOfARaftSafetyFailure draws the first failing Figure 8 run of
// servers that forget everything at a restart: an invariant failure that
// the report opens on in a browser. With SIMLAB_SCREENSHOTS=docs/img it
// makes the screenshot in docs/reports.md.
func TestReportOfARaftSafetyFailure(t *testing.T) {
	b := brokenVariants()[0]
	run, out, err := report.CaptureScenario(b.Scenario, b.First, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || len(out.Failures) == 0 {
		t.Fatalf("%s seed %d passed", b.Name, b.First)
	}
	t.Logf("failure: %v", out.Failures[0].Error())
	run.Replay = "go test -run TestReportOfARaftSafetyFailure ./catalogue/raftcat (Raft that forgets its state at restart, on raft/figure8, seed 1)"
	reporttest.Look(t, run, "report-raft-safety.png")
}
