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
