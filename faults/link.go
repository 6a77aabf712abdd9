package faults

import (
	"strconv"
	"time"

	"github.com/simlab-go/simlab/sim"
)

// LinkSchedule is the schedule that sets the default link to l at time at
// (as far as schedule actions can say: latency, loss, duplication and the
// long tail), for a scenario whose network is unreliable from the start.
func LinkSchedule(at time.Duration, l sim.LinkConfig) Schedule {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := Schedule{{At: at, Op: "latency", Args: []string{l.LatencyMin.String(), l.LatencySpread.String()}}}
	if l.Loss > 0 {
		s = append(s, Action{At: at, Op: "loss", Args: []string{f(l.Loss)}})
	}
	if l.Dup > 0 {
		s = append(s, Action{At: at, Op: "dup", Args: []string{f(l.Dup)}})
	}
	if l.TailProb > 0 {
		s = append(s, Action{At: at, Op: "reorder", Args: []string{f(l.TailProb), l.TailMean.String(), l.TailMax.String()}})
	}
	return s
}
