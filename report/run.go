package report

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// Run is everything a report shows of one run.
type Run struct {
	Scenario, Summary string
	Seed              uint64
	// Options are the flags that change the run, as in its replay command.
	Options string
	Replay  string
	// Faults is the schedule the run applied, in text form.
	Faults   string
	Passed   bool
	Failures []*sim.Failure
	Unknown  []string
	// Nodes are the run's node names in the order the worlds added them.
	Nodes []string
	// Records is the run's whole trace, up to maxRecords.
	Records   []sim.Record
	Histories []scenarios.History
	Worlds    int
	Events    int64
	// Notes say what the report leaves out, if anything.
	Notes []string
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
	run := Run{Scenario: out.Scenario, Seed: out.Seed, Options: strings.Join(out.Options.Flags(), " "), Replay: out.Replay,
		Faults: out.Faults, Passed: out.Passed, Failures: out.Failures, Unknown: out.Unknown, Records: rec.records,
		Histories: out.Histories, Worlds: out.Worlds, Events: out.Events}
	if s, ok := scenarios.Lookup(out.Scenario); ok {
		run.Summary = s.Summary
	}
	for _, n := range out.Nodes {
		run.Nodes = append(run.Nodes, n.Name)
	}
	if rec.cut > 0 {
		run.Notes = append(run.Notes, fmt.Sprintf("The report keeps the first %d trace records of the run; the last %d are not drawn.", maxRecords, rec.cut))
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
