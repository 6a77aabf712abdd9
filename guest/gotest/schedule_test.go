package gotest_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest/gotest"
)

// scheduleSeeds is how many seeds TestSchedulesFindRaces runs each bug
// under each strategy: SIMLAB_SCHEDULE_SEEDS, or 40.
func scheduleSeeds(t *testing.T) uint64 {
	if v := os.Getenv("SIMLAB_SCHEDULE_SEEDS"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("SIMLAB_SCHEDULE_SEEDS=%q: want a positive number", v)
		}
		return n
	}
	return 40
}

// TestSchedulesFindRaces: the fixture testdata/races holds two bugs that
// need a goroutine to run before one made runnable earlier. Go's own
// order on wasm (FIFO) runs every seed the same way and never shows them;
// the shuffling schedule, built from the installed toolchain's runtime,
// finds both within the first seeds, and replays a failing seed exactly.
// It logs, for the table of docs/guest-tests.md, the first failing seed
// and the share of failing seeds of each bug under each strategy.
func TestSchedulesFindRaces(t *testing.T) {
	ctx := context.Background()
	n := scheduleSeeds(t)
	suites := map[gotest.Schedule]*gotest.Suite{}
	for _, sched := range []gotest.Schedule{gotest.ScheduleFIFO, gotest.ScheduleShuffle} {
		b, err := gotest.BuildTests(ctx, "../testdata/races", "", gotest.BuildOptions{Schedule: sched})
		if err != nil {
			t.Fatal(err)
		}
		if b.Schedule != sched || b.Warning != "" {
			t.Fatalf("built %+v for schedule %s", b, sched)
		}
		s, err := gotest.Open(ctx, b.Path, b.Dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(ctx)
		suites[sched] = s
	}
	for _, test := range []string{"TestLockReleasedEarly", "TestCheckThenAct"} {
		row := test
		for _, sched := range []gotest.Schedule{gotest.ScheduleFIFO, gotest.ScheduleShuffle} {
			var first, failing uint64
			for seed := uint64(1); seed <= n; seed++ {
				o, err := suites[sched].Run(ctx, test, seed, gotest.RunOptions{Timeout: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				if o.Passed() {
					continue
				}
				failing++
				if first == 0 {
					first = seed
					again, _ := suites[sched].Run(ctx, test, seed, gotest.RunOptions{Timeout: time.Minute})
					if again.Fingerprint != o.Fingerprint || again.Message != o.Message {
						t.Errorf("%s under %s, seed %d: replayed as %q, first %q", test, sched, seed, again.Message, o.Message)
					}
				}
			}
			row += fmt.Sprintf(" | %s: first %d, %d/%d", sched, first, failing, n)
			switch {
			case sched == gotest.ScheduleFIFO && failing != 0:
				t.Errorf("%s fails %d of %d seeds under FIFO: the fixture no longer needs another order", test, failing, n)
			case sched == gotest.ScheduleShuffle && failing == 0:
				t.Errorf("%s: the shuffling schedule found nothing in %d seeds", test, n)
			}
		}
		t.Logf("SCHEDULE | %s", row)
	}
}
