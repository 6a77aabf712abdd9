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
	for i := 0; i < n; i++ {
		at := time.Duration(rapid.IntRange(0, last).Draw(t, "at")) * time.Millisecond
		switch rapid.IntRange(0, 6).Draw(t, "op") {
		case 0, 1:
			op := []string{"crash", "crash-mid"}[rapid.IntRange(0, 1).Draw(t, "mid")]
			set := rapid.SliceOfNDistinct(pick, 1, len(nodes), func(s string) string { return s }).Draw(t, "crashed")
			back := min(at+time.Duration(rapid.IntRange(1, 1000).Draw(t, "down"))*time.Millisecond, end)
			for _, name := range set {
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
