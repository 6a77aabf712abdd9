package simrun

import (
	"fmt"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// firstDivergence explains two runs of one seed that ended differently: it
// runs the seed again recording every trace record's fingerprint, then once
// more comparing against them, and names the first record where they part.
func firstDivergence(s scenarios.Scenario, j job, o scenarios.Options, a, b scenarios.Outcome) string {
	if a.Fingerprint == b.Fingerprint {
		return sameTraceDifferentVerdict(a, b)
	}
	head := fmt.Sprintf("two runs of the same seed differ: fingerprints %016x and %016x, passed %v and %v",
		a.Fingerprint, b.Fingerprint, a.Passed, b.Passed)
	var fps []uint64
	var recs []sim.Record
	o.TraceTail = -1
	o.Trace = func(r sim.Record) {
		fps = append(fps, r.Fingerprint)
		if len(recs) < 1_000_000 {
			recs = append(recs, r)
		}
	}
	if _, err := scenarios.RunScenario(s, j.seed, o); err != nil {
		return head
	}
	at := -1
	var other sim.Record
	k := 0
	o.Trace = func(r sim.Record) {
		if at < 0 && (k >= len(fps) || fps[k] != r.Fingerprint) {
			at, other = k, r
		}
		k++
	}
	if _, err := scenarios.RunScenario(s, j.seed, o); err != nil {
		return head
	}
	if at < 0 && k != len(fps) {
		at = min(k, len(fps))
	}
	if at < 0 {
		return head + "; a third and fourth run agreed, so the difference is rare or lies outside the trace"
	}
	mine := "(the run had ended)"
	if at < len(recs) {
		mine = recs[at].String()
	}
	prev := ""
	if at > 0 && at-1 < len(recs) {
		prev = "\n        last common: " + recs[at-1].String()
	}
	if other.Kind == "" {
		other.Detail = "(the run had ended)"
	}
	return fmt.Sprintf("%s; first divergent trace record is #%d%s\n        one run:     %s\n        other run:   %s",
		head, at, prev, mine, other.String())
}

// sameTraceDifferentVerdict explains two runs whose every traced event was
// the same but whose verdicts differ: what differed is in no event.
func sameTraceDifferentVerdict(a, b scenarios.Outcome) string {
	return fmt.Sprintf("two runs of the same seed differ: the same trace fingerprint %016x, but %s against %s. "+
		"Every event of the two runs was the same, so the difference lies in state the trace does not record: "+
		"a Go map ranged over where the order matters (its order changes from run to run: range over node.SortedKeys), "+
		"the wall clock, math/rand's global functions, or a goroutine, in a handler or in the scenario's own checks. "+
		"simlab's own code is held to these rules by internal/detrules; replay the seed twice and compare what the checks print",
		a.Fingerprint, verdictText(a), verdictText(b))
}

// verdictText is a run's verdict with its first reason.
func verdictText(o scenarios.Outcome) string {
	switch {
	case len(o.Failures) > 0:
		return fmt.Sprintf("one run failed (%s: %s)", o.Failures[0].Kind, o.Failures[0].Msg)
	case len(o.Unknown) > 0:
		return fmt.Sprintf("one run was undecided (%s)", o.Unknown[0])
	}
	return "one run passed"
}
