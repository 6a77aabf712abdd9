package simrun

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// result is what a run of a sweep came to, in a form that crosses a pipe
// from a worker process.
type result struct {
	Scenario string    `json:"scenario"`
	Seed     uint64    `json:"seed"`
	Failures []failure `json:"failures,omitempty"`
	Unknown  []string  `json:"unknown,omitempty"`
	Faults   string    `json:"faults,omitempty"`
	Diverge  string    `json:"diverge,omitempty"` // -check-determinism found two different runs
	Events   int64     `json:"events"`
	Virtual  int64     `json:"virtual_ns"`
	// Fingerprint is the run's (its first run's, with -check-determinism).
	Fingerprint uint64 `json:"fingerprint,string"`
	// Usage is bad input found only by running (a schedule part for a
	// world the probe did not reach): it stops the sweep.
	Usage string `json:"usage,omitempty"`
	// Lost is set when the run never finished: "hung" (it outlived
	// -run-timeout) or "crashed" (it killed its process); Evidence is the
	// stuck stack or what the process said as it died.
	Lost     string `json:"lost,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	// Coverage is the marks the run reached, with -coverage.
	Coverage []sim.MarkHits `json:"coverage,omitempty"`
	// Report is the path of the failing run's HTML report, with -html, or
	// ReportErr why it could not be written.
	Report    string `json:"report,omitempty"`
	ReportErr string `json:"report_error,omitempty"`
}

// reportLine says where a failing run's report is, with -html.
func (r result) reportLine() string {
	switch {
	case r.Report != "":
		return "report: " + r.Report
	case r.ReportErr != "":
		return "no report: " + r.ReportErr
	}
	return ""
}

type failure struct {
	Kind string        `json:"kind"`
	Msg  string        `json:"msg"`
	Time time.Duration `json:"time_ns"`
	Node string        `json:"node,omitempty"`
	// Detail is what explains a Go test's failure: its output around it.
	Detail string `json:"detail,omitempty"`
}

// findings lists what r reports, as lines: a lost run, each failure (with
// where its report is, with -html), each unknown result, a divergence.
func (r result) findings(replay string) []finding {
	if !r.failed() && len(r.Unknown) == 0 {
		return nil
	}
	var out []finding
	add := func(typ, kind, msg string, t time.Duration, nodeName, detail string) {
		out = append(out, finding{Type: typ, Scenario: r.Scenario, Seed: r.Seed, Kind: kind, Message: msg,
			Time: t.Seconds(), Node: nodeName, Faults: r.Faults, Detail: detail, Replay: replay})
	}
	if r.Lost != "" {
		msg, detail, _ := strings.Cut(r.Evidence, "\n")
		add("failure", r.Lost, msg, 0, "", detail)
	}
	for _, f := range r.Failures {
		detail := r.reportLine()
		if f.Detail != "" {
			detail = joinLines(shortDetail(f.Detail), detail)
		}
		add("failure", f.Kind, f.Msg, f.Time, f.Node, detail)
	}
	for _, u := range r.Unknown {
		add("unknown", "unknown", u, time.Duration(r.Virtual), "", "")
	}
	if r.Diverge != "" {
		add("failure", "nondeterminism", r.Diverge, 0, "", "")
	}
	return out
}

func (r result) job() job { return job{r.Scenario, r.Seed} }

func (r result) failed() bool { return len(r.Failures) > 0 || r.Diverge != "" || r.Lost != "" }

// runJob runs one job of a sweep in this process.
func runJob(setup workerSetup, j job) result {
	o, determinism := setup.Options, setup.Determinism
	r := result{Scenario: j.scenario, Seed: j.seed}
	s, ok := setup.lookup(j.scenario)
	if !ok {
		r.Usage = fmt.Sprintf("no scenario is named %q", j.scenario)
		return r
	}
	out, err := scenarios.RunScenario(s, j.seed, o)
	var ue *scenarios.UsageError
	if errors.As(err, &ue) {
		r.Usage = err.Error()
		return r
	}
	for _, f := range out.Failures {
		r.Failures = append(r.Failures, failure{Kind: string(f.Kind), Msg: f.Msg, Time: f.Time, Node: f.Node, Detail: f.Detail})
	}
	r.Unknown, r.Faults, r.Events, r.Virtual = out.Unknown, out.Faults, out.Events, int64(out.VirtualTime)
	r.Fingerprint = out.Fingerprint
	r.Coverage = out.Coverage
	if determinism {
		again, _ := scenarios.RunScenario(s, j.seed, o)
		if again.Fingerprint != out.Fingerprint || again.Passed != out.Passed {
			r.Diverge = firstDivergence(s, j, o, out, again)
		}
	}
	if setup.HTMLDir != "" && len(r.Failures) > 0 {
		// The run again, recorded: tracing does not change a run.
		run, _, err := report.Capture(j.scenario, j.seed, o)
		if err == nil {
			r.Report, err = report.WriteFile(setup.HTMLDir, run)
		}
		if err != nil {
			r.ReportErr = err.Error()
		}
	}
	return r
}
