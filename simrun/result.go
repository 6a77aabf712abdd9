package simrun

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/scenarios"
)

// result is what a run of a sweep came to: the run's Outcome (the one
// result of a run, which serializes), with what the sweep itself saw of
// it. It crosses the pipe from a worker process as one JSON value.
type result struct {
	scenarios.Outcome
	// Diverge says where two runs of the seed differed
	// (-check-determinism).
	Diverge string `json:",omitempty"`
	// Usage is bad input found only by running (a schedule part for a
	// world the probe did not reach): it stops the sweep.
	Usage string `json:",omitempty"`
	// Lost is set when the run never finished: "hung" (it outlived
	// -run-timeout) or "crashed" (it killed its process); Evidence is the
	// stuck stack or what the process said as it died.
	Lost     string `json:",omitempty"`
	Evidence string `json:",omitempty"`
	// Report is the path of the failing run's HTML report, with -html, or
	// ReportErr why it could not be written.
	Report    string `json:",omitempty"`
	ReportErr string `json:",omitempty"`
}

// lostRun is the result of a run that never finished.
func lostRun(j job, how, evidence string) result {
	return result{Outcome: scenarios.Outcome{Scenario: j.scenario, Seed: j.seed}, Lost: how, Evidence: evidence}
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
		add("failure", string(f.Kind), f.Msg, f.Time, f.Node, detail)
	}
	for _, u := range r.Unknown {
		add("unknown", "unknown", u, r.VirtualTime, "", "")
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
	r := result{Outcome: scenarios.Outcome{Scenario: j.scenario, Seed: j.seed}}
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
	r.Outcome = out
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
