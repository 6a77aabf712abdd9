package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Livelock detection. Every livelockWindow events the World compares the
// virtual time they took with Config.MaxEventRate. A run above it is
// sampled for livelockSample more events, counting deliveries by (sender,
// receiver, message type) and timeouts by (node, tag type), and then fails
// with the busiest of them: what the run was doing, and how often per
// second of virtual time.

type rateWatch struct {
	next     int64         // the event count of the next check
	markAt   time.Duration // virtual time at the window's start
	sampling bool
	window   time.Duration // the virtual time the tripping window took
	counts   map[flowKey]int
	sampleAt time.Duration
}

type flowKey struct {
	from, to node.ID // to is node.None for a timeout
	what     string
}

func (w *World) checkRate() {
	rw := &w.rate
	limit := w.cfg.MaxEventRate
	if limit == 0 {
		limit = max(defaultMaxEventRate, perNodeEventRate*float64(len(w.nodes)))
	}
	if limit < 0 {
		rw.next = 1<<63 - 1
		return
	}
	if !rw.sampling {
		took := w.now - rw.markAt
		if took.Seconds()*limit < livelockWindow {
			rw.sampling, rw.window, rw.sampleAt = true, took, w.now
			rw.counts = map[flowKey]int{}
			rw.next = w.events + livelockSample
			return
		}
		rw.markAt = w.now
		rw.next = w.events + livelockWindow
		return
	}
	w.fail(&Failure{Kind: Livelock, Msg: w.livelockReport(limit)})
}

// countFlow notes one delivery or timeout while sampling.
func (w *World) countFlow(from, to node.ID, v any) {
	w.rate.counts[flowKey{from, to, fmt.Sprintf("%T", v)}]++
}

func (w *World) livelockReport(limit float64) string {
	rw := &w.rate
	rate := func(n int, d time.Duration) string {
		if d <= 0 {
			return "in no virtual time at all"
		}
		return fmt.Sprintf("%.0f/s", float64(n)/d.Seconds())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "livelock suspected: %d events took %v of virtual time (%s, above the %.0f events per virtual second of Config.MaxEventRate)",
		livelockWindow, rw.window, rate(livelockWindow, rw.window), limit)
	type flow struct {
		k flowKey
		n int
	}
	var flows []flow
	for _, k := range sortedFlowKeys(rw.counts) {
		flows = append(flows, flow{k, rw.counts[k]})
	}
	slices.SortStableFunc(flows, func(a, b flow) int { return cmp.Compare(b.n, a.n) })
	took := w.now - rw.sampleAt
	fmt.Fprintf(&b, "; of the next %d events, over %v:", livelockSample, took)
	for i, f := range flows {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more kinds", len(flows)-5)
			break
		}
		if f.k.to == node.None {
			fmt.Fprintf(&b, " %s timer %s ×%d (%s);", w.Name(f.k.from), f.k.what, f.n, rate(f.n, took))
		} else {
			fmt.Fprintf(&b, " %s → %s %s ×%d (%s);", w.Name(f.k.from), w.Name(f.k.to), f.k.what, f.n, rate(f.n, took))
		}
	}
	return strings.TrimSuffix(b.String(), ";")
}

func sortedFlowKeys(m map[flowKey]int) []flowKey {
	keys := make([]flowKey, 0, len(m))
	//simlab:unordered sorted right below
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b flowKey) int {
		if c := cmp.Compare(a.from, b.from); c != 0 {
			return c
		}
		if c := cmp.Compare(a.to, b.to); c != 0 {
			return c
		}
		return cmp.Compare(a.what, b.what)
	})
	return keys
}
