package simrun

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
)

// traceFilter narrows the trace -v prints.
type traceFilter struct {
	nodes, kinds []string
	match        string
	from, to     time.Duration
}

var traceKinds = []string{"start", "recv", "timeout", "invoke", "send", "drop", "timer", "disk", "sync", "log", "crash", "restart", "refuse", "pause", "resume", "clock", "net", "fault", "failure"}

// guestTraceKinds are the kinds of a guest's records (its host calls).
var guestTraceKinds = []string{"clock", "wallclock", "sleep", "yield", "random", "write"}

func newTraceFilter(v *flagValues) (traceFilter, error) {
	traceKinds := traceKinds
	if v.pkg != "" {
		traceKinds = guestTraceKinds
	}
	f := traceFilter{match: v.traceMatch, from: v.traceFrom, to: v.traceTo}
	if v.traceNode != "" {
		f.nodes = strings.Split(v.traceNode, ",")
	}
	if v.traceKind != "" {
		f.kinds = strings.Split(v.traceKind, ",")
		for _, k := range f.kinds {
			if !slices.Contains(traceKinds, k) {
				return f, usagef("-trace-kind %q: no record is of kind %q; the kinds are %s", v.traceKind, k, strings.Join(traceKinds, ", "))
			}
		}
	}
	if f.from < 0 || f.to < 0 || f.to > 0 && f.to < f.from {
		return f, usagef("-trace-from %v -trace-to %v: want 0 ≤ from ≤ to", f.from, f.to)
	}
	return f, nil
}

func (f traceFilter) on() bool {
	return len(f.nodes) > 0 || len(f.kinds) > 0 || f.match != "" || f.from > 0 || f.to > 0
}

// keep reports whether r passes the filter. A record about a node passes
// the node filter if the node is its subject or its peer.
func (f traceFilter) keep(r sim.Record) bool {
	if len(f.nodes) > 0 && !slices.Contains(f.nodes, r.Node) && !slices.Contains(f.nodes, r.Peer) {
		return false
	}
	if len(f.kinds) > 0 && !slices.Contains(f.kinds, r.Kind) {
		return false
	}
	if f.match != "" && !strings.Contains(r.Detail, f.match) {
		return false
	}
	return r.Time >= f.from && (f.to == 0 || r.Time <= f.to)
}

func (f traceFilter) String() string {
	var parts []string
	if len(f.nodes) > 0 {
		parts = append(parts, "nodes "+strings.Join(f.nodes, ","))
	}
	if len(f.kinds) > 0 {
		parts = append(parts, "kinds "+strings.Join(f.kinds, ","))
	}
	if f.match != "" {
		parts = append(parts, fmt.Sprintf("detail containing %q", f.match))
	}
	if f.from > 0 || f.to > 0 {
		parts = append(parts, fmt.Sprintf("from %v to %v", f.from, f.to))
	}
	return strings.Join(parts, ", ")
}
