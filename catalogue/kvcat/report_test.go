package kvcat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/report/reporttest"
	"github.com/simlab-go/simlab/scenarios"
)

// TestReportOfAStaleRead draws the first failing run of the server that
// serves reads from any self-declared leader: the report names the stale
// get and the server that answered it, and opens on it in a browser. With
// SIMLAB_SCREENSHOTS=docs/img it makes the screenshot in the README and docs/reports.md.
func TestReportOfAStaleRead(t *testing.T) {
	b := brokenVariants()[1]
	run, out, err := report.CaptureScenario(b.Scenario, b.First, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed {
		t.Fatalf("%s seed %d passed", b.Name, b.First)
	}
	run.Replay = "go test -run TestReportOfAStaleRead ./catalogue/kvcat (a broken server of kv_test.go on kv/partitions, seed 10)"
	var stale *struct{ desc, server string }
	for _, h := range run.Histories {
		for _, p := range h.Partitions {
			if p.FirstIllegal >= 0 {
				o := h.Ops[p.FirstIllegal]
				stale = &struct{ desc, server string }{o.Description, o.AnsweredBy}
			}
		}
	}
	if stale == nil || !strings.HasPrefix(stale.desc, "get") || !strings.HasPrefix(stale.server, "s") {
		t.Fatalf("the report should name a stale get and the server that answered it; got %+v", stale)
	}
	t.Logf("the stale read: %s, answered by %s", stale.desc, stale.server)
	reporttest.Look(t, run, "report-kv-stale-read.png")
}
