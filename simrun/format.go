package simrun

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// What a sweep reports, and what -merge reads back and reports again, is
// findings and one summary. An output format is a value that renders them:
// text for people, JSON lines for programs. A sweep and a merge hand theirs
// to the same format, so the two print alike.

// finding is one thing a run reports: a failure (a check that failed, a
// run lost as hung or crashed, two runs of a seed that differ) or an
// unknown result. It is one line of -json output, as -merge reads it back.
type finding struct {
	Type     string  `json:"type"` // "failure" or "unknown"
	Scenario string  `json:"scenario"`
	Seed     uint64  `json:"seed"`
	Kind     string  `json:"kind,omitempty"`
	Message  string  `json:"message"`
	Time     float64 `json:"time_seconds"`
	Node     string  `json:"node,omitempty"`
	Faults   string  `json:"faults,omitempty"`
	Detail   string  `json:"detail,omitempty"`
	Replay   string  `json:"replay"`
}

// summary is the last line of a sweep's -json output, or of a merge's.
// Pattern, Seeds and Options say which sweep it was, so that -merge can
// tell the shards of one sweep from those of another; Interrupted, when
// set, says what an interrupted sweep did not run. A shard's summary
// names its Shard ("1/4"); a merge's counts its Shards and adds up their
// wall times.
type summary struct {
	Type      string            `json:"type"`
	Scenarios map[string]*tally `json:"scenarios"`
	Shard     string            `json:"shard,omitempty"`
	Shards    int               `json:"shards,omitempty"`
	Pattern   string            `json:"pattern"`
	Seeds     string            `json:"seeds"`
	Options   string            `json:"options"`
	// Binary is the SHA-256 of the test binary, with -pkg: shards built
	// from different code are not one sweep.
	Binary      string `json:"binary,omitempty"`
	Determinism bool   `json:"check_determinism"`
	// WallSeconds is the sweep's wall time; for a merge, the slowest
	// shard's (the sweep's, when the shards ran side by side), and
	// ShardWallSeconds the sum over shards.
	WallSeconds      float64 `json:"wall_seconds"`
	ShardWallSeconds float64 `json:"shard_wall_seconds,omitempty"`
	RunsPerSec       float64 `json:"runs_per_second"`
	Interrupted      string  `json:"interrupted,omitempty"`
	// LeftOut names the scenarios the pattern selected that take no
	// strategy but the default, and why: they were not run.
	LeftOut  []string     `json:"left_out,omitempty"`
	Coverage *coverReport `json:"coverage,omitempty"`
	tally
	// order lists the scenarios in the order the sweep selected them, for
	// the text form (a merge lists them by name).
	order []string
}

// format renders findings and a summary.
type format interface {
	finding(f finding)
	summary(s summary)
}

// newFormat is the format -json selects.
func newFormat(w io.Writer, asJSON bool) format {
	if asJSON {
		return jsonFormat{w}
	}
	return textFormat{w}
}

// jsonFormat writes one JSON object per line.
type jsonFormat struct{ w io.Writer }

func (f jsonFormat) finding(x finding) { f.line(x) }
func (f jsonFormat) summary(s summary) { f.line(s) }

func (f jsonFormat) line(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(f.w, string(b))
}

// textFormat writes for people: each finding with its detail indented and
// its replay command, and a summary of a few lines.
type textFormat struct{ w io.Writer }

func (f textFormat) finding(x finding) {
	label := "FAIL"
	if x.Type == "unknown" {
		label = "UNKNOWN"
	}
	fmt.Fprintf(f.w, "%s %s seed %d: %s: %s\n", label, x.Scenario, x.Seed, x.Kind, x.Message)
	if x.Detail != "" {
		fmt.Fprintf(f.w, "    %s\n", strings.ReplaceAll(x.Detail, "\n", "\n    "))
	}
	fmt.Fprintf(f.w, "    replay: %s\n", x.Replay)
}

func (f textFormat) summary(s summary) {
	what := "runs"
	if s.Determinism {
		what = "seeds run twice"
	}
	lost := ""
	if s.Hung+s.Crashed > 0 {
		lost = fmt.Sprintf(" (%d hung, %d crashed their process)", s.Hung, s.Crashed)
	}
	counts := fmt.Sprintf("%d passed, %d failed%s, %d unknown", s.Passed, s.Failed, lost, s.Unknown)
	if s.Shards > 0 {
		sweep := "-scenario " + shellQuoteArg(s.Pattern) + " -seeds " + s.Seeds
		if s.Options != "" {
			sweep += " " + s.Options
		}
		fmt.Fprintf(f.w, "%d %s of %s in %d shards (the slowest took %v, all %v): %s\n",
			s.Runs, what, sweep, s.Shards, secondsDuration(s.WallSeconds), secondsDuration(s.ShardWallSeconds), counts)
		fmt.Fprintf(f.w, "digest: %016x\n", s.Digest)
	} else {
		fmt.Fprintf(f.w, "%d %s (shard %s) in %v, %s runs/s: %s\n",
			s.Runs, what, s.Shard, secondsDuration(s.WallSeconds), rateText(s.RunsPerSec), counts)
		fmt.Fprintf(f.w, "digest: %016x (every run's fingerprint folded: sweeps of the same runs, with any -jobs or GOMAXPROCS, print the same)\n", s.Digest)
	}
	order := s.order
	if order == nil {
		order = slices.Sorted(maps.Keys(s.Scenarios))
	}
	var names []string
	for _, name := range order {
		if t := s.Scenarios[name]; t != nil {
			names = append(names, fmt.Sprintf("%s %d/%d", name, t.Passed, t.Runs))
		}
	}
	if len(names) > 1 {
		fmt.Fprintf(f.w, "passed per scenario: %s\n", strings.Join(names, ", "))
	}
	if s.Coverage != nil {
		printCoverage(f.w, s.Coverage, s.Runs)
	}
	if len(s.LeftOut) > 0 {
		fmt.Fprintf(f.w, "left out, taking no strategy but the default: %s\n", strings.Join(s.LeftOut, "; "))
	}
	if s.Interrupted != "" {
		fmt.Fprintf(f.w, "interrupted: %s\n", s.Interrupted)
	}
}

func secondsDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

func shellQuoteArg(s string) string {
	if strings.ContainsAny(s, "*?[ '") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// runView says how the text of one replayed run is shown: a guest's run
// counts host calls and has no schedule; verbose adds a table per node;
// report and vizDir are where the run's report and visualizations went.
type runView struct {
	guest, verbose, coverage bool
	report, vizDir           string
}

// run writes everything about one replayed run, after its header and
// trace: the schedule it applied, its verdict, fingerprint, pace and
// statistics, then each unknown result and failure in full.
func (f textFormat) run(out scenarios.Outcome, v runView) {
	if !v.guest {
		fmt.Fprintf(f.w, "faults:   %s\n", out.Faults)
	}
	for _, n := range out.Notes {
		fmt.Fprintf(f.w, "note:     %s\n", n)
	}
	fmt.Fprintf(f.w, "result:   %s\n", verdict(out))
	fmt.Fprintf(f.w, "fingerprint: %016x\n", out.Fingerprint)
	ratio := 0.0
	if out.Wall > 0 {
		ratio = out.VirtualTime.Seconds() / out.Wall.Seconds()
	}
	events := "events"
	if v.guest {
		events = "host calls"
	}
	pace := fmt.Sprintf("%.1f× faster than real time", ratio)
	if ratio < 1 && ratio > 0 {
		pace = fmt.Sprintf("%.1f× slower than real time", 1/ratio)
	}
	fmt.Fprintf(f.w, "virtual time %v in %v of wall time (%s), %d %s\n", out.VirtualTime, out.Wall, pace, out.Events, events)
	st := out.Stats
	if out.Worlds > 0 {
		fmt.Fprintf(f.w, "messages: %d sent, %d delivered, %d dropped, %d duplicated, %d bytes sent\n",
			st.Sent, st.Delivered, st.Dropped, st.Duplicated, st.BytesSent)
		refusals := ""
		switch {
		case st.Refusals == 1:
			refusals = ", 1 refusal to start over a damaged disk"
		case st.Refusals > 1:
			refusals = fmt.Sprintf(", %d refusals to start over a damaged disk", st.Refusals)
		}
		fmt.Fprintf(f.w, "nodes:    %d crashes, %d restarts%s; disk: %d writes (%d bytes), %d syncs\n",
			st.Crashes, st.Restarts, refusals, st.DiskWrites, st.DiskBytes, st.DiskSyncs)
	}
	if v.coverage {
		t := newCoverTally()
		t.addRun(out.Coverage)
		printCoverage(f.w, t.report(), 1)
	}
	if v.report != "" {
		fmt.Fprintf(f.w, "report:   %s (open it in a browser)\n", v.report)
	}
	if v.vizDir != "" {
		fmt.Fprintf(f.w, "visualizations of checked histories are in %s\n", v.vizDir)
	}
	if v.verbose && len(out.Nodes) > 0 {
		fmt.Fprintf(f.w, "per node:  %-8s %7s %7s %9s %7s %6s %10s %7s %6s %8s\n",
			"node", "events", "sent", "delivered", "dropped", "dups", "bytes", "writes", "syncs", "crashes")
		for _, n := range out.Nodes {
			fmt.Fprintf(f.w, "           %-8s %7d %7d %9d %7d %6d %10d %7d %6d %8d\n", n.Name, n.Events, n.Sent,
				n.Delivered, n.Dropped, n.Duplicated, n.BytesSent, n.DiskWrites, n.DiskSyncs, n.Crashes)
		}
	}
	for _, u := range out.Unknown {
		fmt.Fprintf(f.w, "\nUNKNOWN: %s\n", u)
	}
	for _, x := range out.Failures {
		fmt.Fprintf(f.w, "\nFAIL: %s", x.Report())
	}
}

func verdict(out scenarios.Outcome) string {
	switch {
	case len(out.Failures) > 0:
		return fmt.Sprintf("FAIL (%d failures)", len(out.Failures))
	case len(out.Unknown) > 0:
		return fmt.Sprintf("UNKNOWN (%d undecided checks)", len(out.Unknown))
	}
	return "PASS"
}
