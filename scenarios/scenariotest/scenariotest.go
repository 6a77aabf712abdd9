// Package scenariotest holds what a catalogue's tests share: running every
// scenario of a catalogue for a few seeds, finding the first seed at which a
// broken variant fails, benchmarking whole scenarios, and drawing fault
// schedules with rapid. A catalogue outside this module uses it the same
// way simlab's own catalogues do.
package scenariotest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// Seeds is how many seeds EveryScenario runs per scenario: def, or the
// value of SIMLAB_SEEDS for a longer local sweep.
func Seeds(t testing.TB, def uint64) uint64 {
	if s := os.Getenv("SIMLAB_SEEDS"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("SIMLAB_SEEDS=%q: want a positive number of seeds", s)
		}
		return n
	}
	return def
}

// EveryScenario runs every registered scenario matching patterns (see
// scenarios.Match) for Seeds(t, 8) seeds, every other seed in strict mode,
// so that each message is proven to survive gob. A failure, an undecided
// check, or a scenario that runs no events fails the test.
func EveryScenario(t *testing.T, patterns string) { everyScenario(t, patterns, nil, 8) }

// EveryScenarioWith is EveryScenario for the scenarios matching patterns
// that take every parameter of params, run with them set, for Seeds(t,
// seeds) seeds: a catalogue's scenarios on another consensus log, say
// (log=paxos). It fails the test when fewer than least scenarios take
// them, so that a parameter dropped from the catalogue is noticed.
func EveryScenarioWith(t *testing.T, patterns string, params map[string]string, seeds uint64, least int) {
	if n := everyScenario(t, patterns, params, seeds); n < least {
		t.Errorf("%d scenarios matching %q take %v; want at least %d", n, patterns, params, least)
	}
}

func everyScenario(t *testing.T, patterns string, params map[string]string, seeds uint64) int {
	list, err := scenarios.Match(patterns)
	if err != nil {
		t.Fatal(err)
	}
	n := Seeds(t, seeds)
	ran := 0
	for _, s := range list {
		if !takes(s, params) {
			continue
		}
		ran++
		t.Run(s.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= n; seed++ {
				out, err := scenarios.Run(s.Name, seed, scenarios.Options{Strict: seed%2 == 0, Params: params})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range out.Failures {
					t.Errorf("%s", f.Report())
				}
				for _, u := range out.Unknown {
					t.Errorf("seed %d unknown: %s", seed, u)
				}
				if out.Events == 0 || out.VirtualTime == 0 {
					t.Errorf("seed %d ran %d events over %v: the scenario did nothing", seed, out.Events, out.VirtualTime)
				}
			}
		})
	}
	return ran
}

// takes reports whether s declares every parameter of params.
func takes(s scenarios.Scenario, params map[string]string) bool {
	for k := range params {
		found := false
		for _, p := range s.Params {
			found = found || p.Name == k
		}
		if !found {
			return false
		}
	}
	return true
}

// FirstFailingSeed runs s (registered or not: a broken variant, say) for
// seeds 1..limit with options o and returns the first seed whose run did
// not pass, with its outcome; seed 0 means every run passed.
func FirstFailingSeed(t testing.TB, s scenarios.Scenario, limit uint64, o scenarios.Options) (uint64, scenarios.Outcome) {
	t.Helper()
	if o.TraceTail == 0 {
		o.TraceTail = -1
	}
	for seed := uint64(1); seed <= limit; seed++ {
		out, err := scenarios.RunScenario(s, seed, o)
		if err != nil {
			t.Fatal(err)
		}
		if !out.Passed {
			measureCatch(t, s, seed, o)
			return seed, out
		}
	}
	measureCatch(t, s, 0, o)
	return 0, scenarios.Outcome{}
}

// measureCatch logs, when SIMLAB_MEASURE_CATCH=N is set, the first failing
// seed of a broken variant and how many of seeds 1–N it fails, as one
// "measure:" line: every catalogue's table of runs to a first failure is
// measured by one command (docs/finding-bugs.md).
func measureCatch(t testing.TB, s scenarios.Scenario, first uint64, o scenarios.Options) {
	v := os.Getenv("SIMLAB_MEASURE_CATCH")
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("SIMLAB_MEASURE_CATCH=%q: want a positive number of seeds", v)
	}
	t.Logf("measure: %s: %s first fails at seed %d, fails %d of seeds 1-%d", t.Name(), s.Name, first, FailingShare(t, s, n, o), n)
}

// Benchmark runs each scenario matching patterns as a sub-benchmark, one
// seed per iteration, and reports seeds/s, events/s and how much faster
// than real time the runs go (virtual-s/wall-s). A run that fails stops the
// benchmark: a figure is only reported for passing runs.
func Benchmark(b *testing.B, patterns string) {
	list, err := scenarios.Match(patterns)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range list {
		b.Run(s.Name, func(b *testing.B) {
			var virtual time.Duration
			var events int64
			for i := 0; i < b.N; i++ {
				out, err := scenarios.Run(s.Name, uint64(i+1), scenarios.Options{TraceTail: -1})
				if err != nil {
					b.Fatal(err)
				}
				if !out.Passed {
					b.Fatalf("seed %d failed: %v %v", i+1, out.Failures, out.Unknown)
				}
				virtual += out.VirtualTime
				events += out.Events
			}
			wall := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/wall, "seeds/s")
			b.ReportMetric(virtual.Seconds()/wall, "virtual-s/wall-s")
			b.ReportMetric(float64(events)/wall, "events/s")
		})
	}
}

// FailingShare runs s for seeds 1..n with options o and returns how many
// runs did not pass: how often a broken variant is caught. Tests call it
// when SIMLAB_SHARE_SEEDS sets n (see ShareSeeds), to measure the figures
// a catalogue's document quotes.
func FailingShare(t testing.TB, s scenarios.Scenario, n uint64, o scenarios.Options) uint64 {
	t.Helper()
	if o.TraceTail == 0 {
		o.TraceTail = -1
	}
	var failed uint64
	for seed := uint64(1); seed <= n; seed++ {
		out, err := scenarios.RunScenario(s, seed, o)
		if err != nil {
			t.Fatal(err)
		}
		if !out.Passed {
			failed++
		}
	}
	return failed
}

// ShareSeeds is the number of seeds SIMLAB_SHARE_SEEDS asks FailingShare
// to measure over, or 0 when it is not set.
func ShareSeeds(t testing.TB) uint64 {
	s := os.Getenv("SIMLAB_SHARE_SEEDS")
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("SIMLAB_SHARE_SEEDS=%q: want a positive number of seeds", s)
	}
	return n
}

// ScheduleReplays checks, for every registered scenario matching patterns
// and seeds 1..n, that the fault schedule a run prints is what it did: run
// again with that schedule given as Options.Faults, the seed gives the
// same fingerprint, the same verdict and the same schedule.
func ScheduleReplays(t *testing.T, patterns string, n uint64) {
	list, err := scenarios.Match(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		t.Run(s.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= n; seed++ {
				plain, err := scenarios.Run(s.Name, seed, scenarios.Options{TraceTail: -1})
				if err != nil {
					t.Fatal(err)
				}
				again, err := scenarios.Run(s.Name, seed, scenarios.Options{TraceTail: -1, Faults: plain.Faults})
				if err != nil {
					t.Fatalf("seed %d: its own schedule %q refused: %v", seed, plain.Faults, err)
				}
				if again.Fingerprint != plain.Fingerprint || again.Passed != plain.Passed || again.Faults != plain.Faults {
					t.Fatalf("seed %d: with its printed schedule given back, fingerprint %016x (was %016x), passed %v (was %v), schedule %q (was %q)",
						seed, again.Fingerprint, plain.Fingerprint, again.Passed, plain.Passed, again.Faults, plain.Faults)
				}
			}
		})
	}
}

// FaultsAreData checks that every registered scenario matching patterns
// takes a fault schedule: Probe binds a trivial one (a "heal" at 1 s)
// without error, and a scenario with fixed faults refuses one that is not
// its own with a *scenarios.UsageError that says why.
func FaultsAreData(t *testing.T, patterns string) {
	list, err := scenarios.Match(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		t.Run(s.Name, func(t *testing.T) {
			o := scenarios.Options{Faults: "1s heal", TraceTail: -1}
			if err := scenarios.Probe(s, 1, o); err != nil {
				t.Fatalf("Probe with %q: %v", o.Faults, err)
			}
			if s.FixedFaults == "" {
				return
			}
			_, err := scenarios.Run(s.Name, 1, o)
			var ue *scenarios.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), s.FixedFaults) {
				t.Fatalf("Run with %q: %v; want a usage error saying %q", o.Faults, err, s.FixedFaults)
			}
		})
	}
}

// Minimizes runs Minimize on a broken variant's failing seed and checks
// what a user relies on: the smallest case is no bigger than the run it
// came from, it replays, and it fails the same way. It logs one row of
// the minimization table of docs/finding-bugs.md (the variant, before → after in
// actions, operations and events, runs and wall time) and returns the
// result.
func Minimizes(t testing.TB, bug string, s scenarios.Scenario, seed uint64, o scenarios.Options) *scenarios.Minimized {
	t.Helper()
	m, err := scenarios.Minimize(s, seed, o, nil)
	if err != nil {
		t.Fatalf("%s seed %d: %v", s.Name, seed, err)
	}
	b, a := m.Before, m.After
	if a.Actions > b.Actions || a.Operations > b.Operations {
		t.Errorf("%s seed %d grew: %v → %v", s.Name, seed, b, a)
	}
	if a.Actions == b.Actions && a.Operations == b.Operations && a.Events >= b.Events {
		t.Errorf("%s seed %d: nothing shrank (%v → %v)", s.Name, seed, b, a)
	}
	replay := o
	replay.Faults, replay.Params, replay.TraceTail = m.Faults, m.Params, -1
	if m.Fixed {
		replay.Faults = ""
	}
	out, err := scenarios.RunScenario(s, seed, replay)
	if err != nil || scenarios.Signature(out) != m.Signature {
		t.Errorf("%s seed %d: the smallest case replays as %v, %q; want %q", s.Name, seed, err, scenarios.Signature(out), m.Signature)
	}
	t.Logf("MINIMIZED | %s | %s seed %d | %d → %d | %d → %d | %d → %d | %d runs, %v | %s",
		bug, strings.TrimPrefix(s.Name, "broken-"), seed, b.Actions, a.Actions, b.Operations, a.Operations, b.Events, a.Events, m.Runs, m.Wall.Round(time.Millisecond), m.Signature)
	return m
}

// Bug is one broken variant a catalogue's tests hold: the scenario that
// runs it and the first seed that catches it under the random strategy.
type Bug struct {
	Name     string
	Scenario scenarios.Scenario
	First    uint64
}

// StrategyResult is how one strategy fared on one bug over seeds 1..Seeds.
type StrategyResult struct {
	Strategy string
	First    uint64 // the first failing seed; 0 for none within Seeds
	Failing  uint64
	Seeds    uint64
}

// CompareStrategies runs seeds 1..n of the bug under each strategy, two
// runs at a time, and logs one line for the strategies table of
// docs/finding-bugs.md:
//
//	STRATEGY | bug | scenario | random: first F, k/n | pct: first F, k/n
//
// A run that cannot start fails the test; a bug no strategy catches is
// reported, not failed: the table is a measurement.
func CompareStrategies(t testing.TB, b Bug, n uint64, strategies []string) []StrategyResult {
	t.Helper()
	var results []StrategyResult
	cells := []string{b.Name, strings.TrimPrefix(b.Scenario.Name, "broken-")}
	for _, st := range strategies {
		o := scenarios.Options{Strategy: st, TraceTail: -1}
		failed := make([]bool, n+1)
		errs := make(chan error, 2)
		next := make(chan uint64)
		go func() {
			for seed := uint64(1); seed <= n; seed++ {
				next <- seed
			}
			close(next)
		}()
		for range 2 {
			go func() {
				var first error
				for seed := range next {
					out, err := scenarios.RunScenario(b.Scenario, seed, o)
					if err != nil && first == nil {
						first = err
					}
					failed[seed] = err == nil && !out.Passed
				}
				errs <- first
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("%s under %s: %v", b.Scenario.Name, st, err)
			}
		}
		r := StrategyResult{Strategy: st, Seeds: n}
		for seed := uint64(1); seed <= n; seed++ {
			if failed[seed] {
				r.Failing++
				if r.First == 0 {
					r.First = seed
				}
			}
		}
		first := "none"
		if r.First > 0 {
			first = strconv.FormatUint(r.First, 10)
		}
		cells = append(cells, fmt.Sprintf("%s: first %s, %d/%d", st, first, r.Failing, n))
		results = append(results, r)
	}
	t.Logf("STRATEGY | %s", strings.Join(cells, " | "))
	return results
}

// StrategySeeds is the seed budget SIMLAB_STRATEGY_SEEDS asks
// CompareStrategies to spend per strategy and bug, 0 when unset, and the
// strategies SIMLAB_STRATEGIES lists, separated by spaces (default
// "random pct"; a strategy's own settings take commas: "random pct:d=5").
func StrategySeeds(t testing.TB) (uint64, []string) {
	s := os.Getenv("SIMLAB_STRATEGY_SEEDS")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("SIMLAB_STRATEGY_SEEDS=%q: want a positive number of seeds", s)
	}
	list := []string{"random", "pct"}
	if v := strings.Fields(os.Getenv("SIMLAB_STRATEGIES")); len(v) > 0 {
		list = v
	}
	return n, list
}

// MeasureStrategies runs CompareStrategies on each of the bugs, a subtest
// each, over the seeds and strategies StrategySeeds reads; without
// SIMLAB_STRATEGY_SEEDS it skips: the table is a measurement, not a
// check. bugs is called only when measuring.
func MeasureStrategies(t *testing.T, bugs func(t *testing.T) []Bug) {
	n, strategies := StrategySeeds(t)
	if n == 0 {
		t.Skip("a measurement: set SIMLAB_STRATEGY_SEEDS=N")
	}
	for _, b := range bugs(t) {
		t.Run(b.Name+" in "+strings.TrimPrefix(b.Scenario.Name, "broken-"), func(t *testing.T) { CompareStrategies(t, b, n, strategies) })
	}
}

// SearchTrial is one trial of SearchAgainstSeeds: how many runs plain
// seeds and a search each needed to a first failure, starting from the
// same seed (0: none within the budget).
type SearchTrial struct {
	FirstSeed     uint64
	Seeds, Search int
}

// SearchAgainstSeeds compares, over trials, the runs plain seeds need to a
// first failure of s with those scenarios.Search needs: trial k sweeps
// seeds k·budget+1 … (k+1)·budget, and searches from the same first seed
// (its plain start) with search seed k+1.
func SearchAgainstSeeds(t testing.TB, s scenarios.Scenario, budget, trials int, o scenarios.Options) []SearchTrial {
	t.Helper()
	var out []SearchTrial
	for k := range trials {
		first := uint64(k*budget) + 1
		tr := SearchTrial{FirstSeed: first}
		for i := range budget {
			got, err := scenarios.RunScenario(s, first+uint64(i), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Failures) > 0 {
				tr.Seeds = i + 1
				break
			}
		}
		res, err := scenarios.Search(s, scenarios.SearchOptions{Runs: budget, FirstSeed: first, Seed: uint64(k + 1), Options: o})
		if err != nil {
			t.Fatal(err)
		}
		tr.Search = res.FoundAt
		out = append(out, tr)
	}
	return out
}

// SearchTrials is the number of trials SIMLAB_SEARCH_TRIALS asks a
// measurement to make (0 when unset): comparing a search with plain seeds
// costs many runs, so only a measurement asks for it.
func SearchTrials(t testing.TB) int {
	s := os.Getenv("SIMLAB_SEARCH_TRIALS")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("SIMLAB_SEARCH_TRIALS=%q: want a positive number of trials", s)
	}
	return n
}

// LogSearchTrials runs SearchAgainstSeeds when SIMLAB_SEARCH_TRIALS is set
// and logs each trial and the medians.
func LogSearchTrials(t *testing.T, s scenarios.Scenario, budget int, o scenarios.Options) {
	t.Helper()
	n := SearchTrials(t)
	if n == 0 {
		return
	}
	trials := SearchAgainstSeeds(t, s, budget, n, o)
	var seeds, searched []int
	for _, tr := range trials {
		t.Logf("%s from seed %d: plain seeds fail at run %d, the search at run %d (0: none within %d)", s.Name, tr.FirstSeed, tr.Seeds, tr.Search, budget)
		seeds, searched = append(seeds, runsOr(tr.Seeds, budget)), append(searched, runsOr(tr.Search, budget))
	}
	t.Logf("%s over %d trials of %d runs: median runs to a first failure, plain seeds %d, search %d (a miss counts as %d+1)", s.Name, n, budget, median(seeds), median(searched), budget)
}

func runsOr(n, budget int) int {
	if n == 0 {
		return budget + 1
	}
	return n
}

func median(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// Broken picks the scenario named name from list (a catalogue's scenarios
// built over a broken variant) and names it broken-name, failing the test
// when list has no such scenario.
func Broken(t testing.TB, list []scenarios.Scenario, name string) scenarios.Scenario {
	t.Helper()
	for _, s := range list {
		if s.Name == name {
			s.Name = "broken-" + name
			return s
		}
	}
	t.Fatalf("no scenario %s among the broken variant's", name)
	return scenarios.Scenario{}
}

// CaughtAs checks a broken variant of the scenario named correct: within
// limit seeds, some run must fail first with a failure saying want, and the
// correct scenario must pass that seed. It logs the first failing seed of
// any kind, and the share of seeds that fail when SIMLAB_SHARE_SEEDS is set,
// and returns the seed caught as wanted.
func CaughtAs(t *testing.T, broken scenarios.Scenario, correct string, limit uint64, want string) uint64 {
	t.Helper()
	o := scenarios.Options{TraceTail: -1}
	var first uint64
	for seed := uint64(1); seed <= limit; seed++ {
		out, err := scenarios.RunScenario(broken, seed, o)
		if err != nil {
			t.Fatal(err)
		}
		if out.Passed {
			continue
		}
		if first == 0 {
			first = seed
			t.Logf("%s: first failing seed %d", correct, first)
			measureCatch(t, broken, first, o)
			if n := ShareSeeds(t); n > 0 {
				k := FailingShare(t, broken, n, o)
				t.Logf("%s caught it at %d of seeds 1-%d (%.1f%%)", correct, k, n, 100*float64(k)/float64(n))
			}
		}
		if !strings.Contains(out.Failures[0].Msg, want) {
			continue
		}
		t.Logf("%s caught it as wanted at seed %d: %s: %.300s", correct, seed, out.Failures[0].Kind, out.Failures[0].Msg)
		if good, err := scenarios.Run(correct, seed, scenarios.Options{}); err != nil || !good.Passed {
			t.Fatalf("the correct %s fails seed %d too: %v %+v", correct, seed, err, good.Failures)
		}
		return seed
	}
	t.Fatalf("%s: no failure saying %q within %d seeds (first failing seed %d, 0 for none)", correct, want, limit, first)
	return 0
}
