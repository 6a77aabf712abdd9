package scenariotest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/simlab-go/simlab/scenarios"
)

// DrawSchedule is a rapid generator of fault schedules over the named
// nodes: up to 8 actions among crashes of any set of nodes at once (also
// inside handlers) with their restarts, pauses, isolation, majority and
// minority partitions, heals and message loss, all before end, where the
// schedule ends in calm. rapid shrinks a failing schedule to fewer and
// simpler actions.
func DrawSchedule(t *rapid.T, nodes []string, end time.Duration) scenarios.Schedule {
	pick := rapid.SampledFrom(nodes)
	n := rapid.IntRange(0, 8).Draw(t, "actions")
	var s scenarios.Schedule
	add := func(at time.Duration, op string, args ...string) {
		s = append(s, scenarios.Action{At: at, Op: op, Args: args})
	}
	last := int(end/time.Millisecond) - 100
	down := map[string][][2]time.Duration{} // node → the intervals it is down
	for i := 0; i < n; i++ {
		at := time.Duration(rapid.IntRange(0, last).Draw(t, "at")) * time.Millisecond
		switch rapid.IntRange(0, 6).Draw(t, "op") {
		case 0, 1:
			op := []string{"crash", "crash-mid"}[rapid.IntRange(0, 1).Draw(t, "mid")]
			set := rapid.SliceOfNDistinct(pick, 1, len(nodes), func(s string) string { return s }).Draw(t, "crashed")
			back := min(at+time.Duration(rapid.IntRange(1, 1000).Draw(t, "down"))*time.Millisecond, end)
			for _, name := range set {
				if overlaps(down[name], at, back) {
					continue // already down then: a schedule crashes only nodes that are up
				}
				down[name] = append(down[name], [2]time.Duration{at, back})
				add(at, op, name)
				add(back, "restart", name)
			}
		case 2:
			add(at, "pause", pick.Draw(t, "node"), "300ms")
		case 3:
			add(at, "isolate", pick.Draw(t, "node"))
		case 4:
			k := rapid.IntRange(1, max(1, (len(nodes)-1)/2)).Draw(t, "minority")
			add(at, "partition", strings.Join(nodes[:k], ",")+"|"+strings.Join(nodes[k:], ","))
		case 5:
			add(at, "heal")
		case 6:
			add(at, "loss", fmt.Sprintf("%.2f", float64(rapid.IntRange(0, 40).Draw(t, "percent"))/100))
		}
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].At < s[j].At })
	add(end, "calm")
	return s
}

// overlaps reports whether [from, to] meets one of the intervals.
func overlaps(intervals [][2]time.Duration, from, to time.Duration) bool {
	for _, iv := range intervals {
		if from <= iv[1] && iv[0] <= to {
			return true
		}
	}
	return false
}
