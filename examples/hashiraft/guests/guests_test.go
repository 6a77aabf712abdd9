//go:build !wasip1

package guests

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim"
)

// TestScenariosPass: every hashiguest scenario passes its first three seeds
// on the unmodified servers (the even ones in strict mode).
func TestScenariosPass(t *testing.T) {
	scenariotest.EveryScenarioWith(t, "hashiguest/*", nil, 3, 1)
}

// TestSameSeedSameRun: a seed replays the guests' run exactly (each
// instance's goroutines, clocks, randomness, sockets and files), under a
// fault profile that crashes, tears, partitions and skews.
func TestSameSeedSameRun(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		var fps [2]uint64
		for i := range fps {
			out, err := scenarios.Run("hashiguest/swarm", seed, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			fps[i] = out.Fingerprint
		}
		if fps[0] != fps[1] {
			t.Errorf("seed %d: fingerprints %x and %x", seed, fps[0], fps[1])
		}
	}
}

// TestReportDrawsGuests: the HTML report of a run draws the guests as its
// lanes, their connections' segments as messages and their files' syncs.
func TestReportDrawsGuests(t *testing.T) {
	run, _, err := report.Capture("hashiguest/crash-restart", 1, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := report.Write(&page, run); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{`"nodes":["s0","s1","s2","c0"]`, "tcp ", "sync raft/raft.log", "crash"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report has no %q", want)
		}
	}
}

// TestDamagedServerRefuses: a server whose synced log is damaged while it
// is down (a byte flipped, the file truncated or lost) refuses to start,
// saying where, instead of coming back having forgotten what it
// acknowledged; the other two go on serving, and the history holds.
func TestDamagedServerRefuses(t *testing.T) {
	for _, kind := range []string{"flip", "truncate", "lose"} {
		var refusal string
		o := scenarios.Options{
			Faults: fmt.Sprintf("1s crash s0; 1.1s damage s0 %s raft/raft.log; 1.2s restart s0", kind),
			Trace: func(r sim.Record) {
				if r.Kind == "log" && r.Node == "s0" && strings.HasPrefix(r.Detail, "refused: ") {
					refusal = r.Detail
				}
			},
		}
		out, err := scenarios.Run("hashiguest/basic", 1, o)
		if err != nil {
			t.Fatal(err)
		}
		if !out.Passed {
			t.Errorf("%s: the run failed: %v", kind, out.Failures)
		}
		if !strings.Contains(refusal, "raft/raft.log is damaged at offset") {
			t.Errorf("%s: s0 said %q; want its refusal naming the log", kind, refusal)
		}
		t.Logf("%s: %s", kind, refusal)
	}
}
