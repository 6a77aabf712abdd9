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

// broken is the hashiguest scenario of that name over the lazy store.
func broken(t *testing.T, name string) scenarios.Scenario {
	s, ok := scenarios.Lookup("hashiguest/" + name)
	if !ok {
		t.Fatalf("hashiguest/%s is not registered", name)
	}
	for _, sc := range catalogue {
		if sc.name == name {
			run := sc.run
			s.Name = "broken-lazysync/" + name
			s.Run = func(c *scenarios.Case) { run(c, program(c, lazySyncPackage)) }
			return s
		}
	}
	t.Fatalf("hashiguest/%s is not in the catalogue", name)
	return s
}

// TestLazySyncCaught: a log store that acknowledges before it syncs loses
// acknowledged writes when a majority crashes in the window, and the
// history check says so, at a seed where the correct servers pass: under
// the crashes of crash-restart, and far sooner when the whole cluster
// loses power at once.
func TestLazySyncCaught(t *testing.T) {
	for _, name := range []string{"power-loss", "crash-restart"} {
		t.Run(name, func(t *testing.T) {
			scenariotest.CaughtAs(t, broken(t, name), "hashiguest/"+name, 60, "not linearizable")
		})
	}
}

// TestLazySyncMinimized: the failing run shrinks to a smaller schedule
// that still fails the same way.
func TestLazySyncMinimized(t *testing.T) {
	if testing.Short() {
		t.Skip("minimizing runs the scenario many times")
	}
	s := broken(t, "crash-restart")
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
	for _, name := range []string{"crash-restart", "power-loss"} {
		s := broken(t, name)
		row := s.Name
		for _, sched := range []string{"fifo", "shuffle"} {
			o := scenarios.Options{Params: map[string]string{"sched": sched}}
			first, _ := scenariotest.FirstFailingSeed(t, s, n, o)
			row += fmt.Sprintf(" | %s: first %d, %d/%d", sched, first, scenariotest.FailingShare(t, s, n, o), n)
		}
		t.Logf("SCHEDULE | %s", row)
	}
}
