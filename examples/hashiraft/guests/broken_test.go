//go:build !wasip1

package guests

import (
	"fmt"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// lazySyncPackage is the broken variant: kvnode whose log store
// acknowledges entries before they are durable.
const lazySyncPackage = "github.com/simlab-go/simlab/examples/hashiraft/guests/testdata/lazysync"

// brokenCrashRestart is hashiguest/crash-restart over the lazy store.
func brokenCrashRestart(t *testing.T) scenarios.Scenario {
	s, ok := scenarios.Lookup("hashiguest/crash-restart")
	if !ok {
		t.Fatal("hashiguest/crash-restart is not registered")
	}
	s.Name = "broken-lazysync/crash-restart"
	s.Run = func(c *scenarios.Case) { crashRestart(c, program(c, lazySyncPackage)) }
	return s
}

// TestLazySyncCaught: a log store that acknowledges before it syncs loses
// acknowledged writes when a majority crashes in the window, and the
// history check says so, at a seed where the correct servers pass.
func TestLazySyncCaught(t *testing.T) {
	scenariotest.CaughtAs(t, brokenCrashRestart(t), "hashiguest/crash-restart", 60, "not linearizable")
}

// TestLazySyncMinimized: the failing run shrinks to a smaller schedule
// that still fails the same way.
func TestLazySyncMinimized(t *testing.T) {
	if testing.Short() {
		t.Skip("minimizing runs the scenario many times")
	}
	s := brokenCrashRestart(t)
	seed, _ := scenariotest.FirstFailingSeed(t, s, 60, scenarios.Options{})
	if seed == 0 {
		t.Fatal("no failing seed within 60")
	}
	scenariotest.Minimizes(t, "log store acknowledges before it syncs", s, seed, scenarios.Options{})
}

// TestLazySyncBySchedule measures, when SIMLAB_SHARE_SEEDS=N is set, how
// many of seeds 1-N catch the lazy store with the servers' goroutines in
// Go's own order and in one drawn from the seed (-p sched=shuffle), for
// the table of docs/guest-tests.md.
func TestLazySyncBySchedule(t *testing.T) {
	n := scenariotest.ShareSeeds(t)
	if n == 0 {
		t.Skip("a measurement: set SIMLAB_SHARE_SEEDS")
	}
	s := brokenCrashRestart(t)
	row := "lazysync/crash-restart"
	for _, sched := range []string{"fifo", "shuffle"} {
		o := scenarios.Options{Params: map[string]string{"sched": sched}}
		first, _ := scenariotest.FirstFailingSeed(t, s, n, o)
		row += fmt.Sprintf(" | %s: first %d, %d/%d", sched, first, scenariotest.FailingShare(t, s, n, o), n)
	}
	t.Logf("SCHEDULE | %s", row)
}
