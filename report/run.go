package report

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// Run is everything a report shows of one run.
type Run struct {
	// Outcome is the run's result, the one every output of a run reads
	// (simrun's text and JSON, a merge of shards, this report).
	scenarios.Outcome
	// Summary is the scenario's one-line summary.
	Summary string
	// Records is the run's whole trace, up to maxRecords.
	Records []sim.Record
	// Omitted says what the report leaves out, if anything.
	Omitted []string
}

// Flags are the options that change the run, as in its replay command.
func (r Run) Flags() string { return strings.Join(r.Options.Flags(), " ") }

// NodeNames are the run's node names in the order the worlds added them.
func (r Run) NodeNames() []string {
	var out []string
	for _, n := range r.Nodes {
		out = append(out, n.Name)
	}
	return out
}

// maxRecords bounds what a Recording keeps: a run with more trace records
// than this is cut, and the report says so.
const maxRecords = 2_000_000

// A Recording collects what a report of one run needs while it runs.
type Recording struct {
	records []sim.Record
	cut     int64
}

// Record sets o up to record a run for a report: every trace record is
// kept (and still passed to a Trace already set), and every history
// checked is kept as Outcome.Histories. Neither changes the run.
func Record(o *scenarios.Options) *Recording {
	rec := &Recording{}
	prev := o.Trace
	o.Trace = func(r sim.Record) {
		if prev != nil {
			prev(r)
		}
		if len(rec.records) < maxRecords {
			rec.records = append(rec.records, r)
		} else {
			rec.cut++
		}
	}
	o.Histories = true
	return rec
}

// Finish makes the report's Run of the outcome of the recorded run.
func (rec *Recording) Finish(out scenarios.Outcome) Run {
	run := Run{Outcome: out, Records: rec.records}
	if s, ok := scenarios.Lookup(out.Scenario); ok {
		run.Summary = s.Summary
	}
	if rec.cut > 0 {
		run.Omitted = append(run.Omitted, fmt.Sprintf("The report keeps the first %d trace records of the run; the last %d are not drawn.", maxRecords, rec.cut))
	}
	return run
}

// Capture runs one seed of a scenario, recorded, and returns its report's
// Run with the outcome. It is the same run as without recording. Bad input
// is the *scenarios.UsageError that scenarios.Run returns.
func Capture(name string, seed uint64, o scenarios.Options) (Run, scenarios.Outcome, error) {
	rec := Record(&o)
	out, err := scenarios.Run(name, seed, o)
	if err != nil {
		return Run{}, out, err
	}
	return rec.Finish(out), out, nil
}

// CaptureScenario is Capture for a scenario that need not be registered
// (a broken variant a test builds, say).
func CaptureScenario(s scenarios.Scenario, seed uint64, o scenarios.Options) (Run, scenarios.Outcome, error) {
	rec := Record(&o)
	out, err := scenarios.RunScenario(s, seed, o)
	if err != nil {
		return Run{}, out, err
	}
	run := rec.Finish(out)
	run.Summary = s.Summary
	return run, out, nil
}
