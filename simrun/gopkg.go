package simrun

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// A Go package's tests as simrun's scenarios. With -pkg DIR simrun builds
// the package's test binary for wasip1 (gotest.Build), and each Test
// function becomes a scenario of the same name whose run, for a seed, is
// that test run once as a guest program under the virtual clock. Sweeps,
// workers, -json, shards, -check-determinism and replays then work as for
// simlab's own scenarios; the replay command names the package.

// guestSetup is what a process needs to run a package's tests: the parent
// builds the binary and hands this to its workers.
type guestSetup struct {
	// Binary is the test binary's path (in the build cache, named by its
	// content) and Hash its SHA-256.
	Binary string `json:"binary"`
	Hash   string `json:"hash"`
	// Dir is the package's directory, which its tests see as their working
	// directory; Import its import path.
	Dir    string `json:"dir"`
	Import string `json:"import"`
	// Timeout is each test's limit of virtual time (-test-timeout).
	Timeout time.Duration `json:"timeout"`
	// WorkCost is the virtual time of 1,000 units of work (-work-cost).
	WorkCost time.Duration `json:"work_cost"`
	// Schedule is the order the tests' goroutines run in (-sched).
	Schedule gotest.Schedule `json:"schedule"`
	// WallLimit stops a run that loops without waiting, with its stack,
	// before the sweep's -run-timeout would kill its worker.
	WallLimit time.Duration `json:"wall_limit"`
	// Tests are the package's Test functions.
	Tests []string `json:"tests"`
	// scratch, when set, keeps what a replayed test writes to /tmp.
	scratch string
	// warning is what the build said of a runtime patch it had to leave
	// out (gotest.Binary.Warning); the parent prints it.
	warning string
}

// suites are the compiled test binaries of this process, by path: a
// worker compiles its binary once and runs every seed on it.
var (
	suitesMu sync.Mutex
	suites   = map[string]*gotest.Suite{}
)

func openSuite(g *guestSetup) (*gotest.Suite, error) {
	suitesMu.Lock()
	defer suitesMu.Unlock()
	if s := suites[g.Binary]; s != nil {
		return s, nil
	}
	s, err := gotest.Open(context.Background(), g.Binary, g.Dir)
	if err != nil {
		return nil, err
	}
	suites[g.Binary] = s
	return s, nil
}

// loadPackage builds the package in dir and lists its tests.
func loadPackage(dir string, sched gotest.Schedule, timeout, workCost, wall time.Duration) (*guestSetup, error) {
	ctx := context.Background()
	b, err := gotest.BuildTests(ctx, dir, "", gotest.BuildOptions{Schedule: sched})
	if err != nil {
		return nil, err
	}
	g := &guestSetup{Binary: b.Path, Hash: b.Hash, Dir: b.Dir, Import: b.ImportPath, Timeout: timeout, WorkCost: workCost, WallLimit: wall, Schedule: b.Schedule, warning: b.Warning}
	s, err := openSuite(g)
	if err != nil {
		return nil, err
	}
	if g.Tests, err = s.Tests(ctx); err != nil {
		return nil, err
	}
	if len(g.Tests) == 0 {
		return nil, fmt.Errorf("package %s (%s) has no Test functions to run", g.Import, dir)
	}
	return g, nil
}

// scenarios are the package's tests as scenarios.
func (g *guestSetup) scenarios() []scenarios.Scenario {
	out := make([]scenarios.Scenario, len(g.Tests))
	for i, t := range g.Tests {
		out[i] = g.scenario(t)
	}
	return out
}

func (g *guestSetup) scenario(test string) scenarios.Scenario {
	return scenarios.Scenario{
		Name:    test,
		Summary: fmt.Sprintf("%s of %s, run as a wasip1 guest under the virtual clock", test, g.Import),
		Run:     func(c *scenarios.Case) { g.run(c, test) },
	}
}

func (g *guestSetup) lookup(name string) (scenarios.Scenario, bool) {
	for _, t := range g.Tests {
		if t == name {
			return g.scenario(t), true
		}
	}
	return scenarios.Scenario{}, false
}

// run runs one test for the case's seed and reports how it went.
func (g *guestSetup) run(c *scenarios.Case, test string) {
	s, err := openSuite(g)
	if err != nil {
		c.Check(&sim.Failure{Kind: "setup", Msg: err.Error()})
		return
	}
	o := gotest.RunOptions{Timeout: g.Timeout, WorkCost: g.WorkCost, WallLimit: g.WallLimit, Output: c.Options().Output, Scratch: g.scratch}
	if tr := c.Tracer(); tr != nil {
		o.Trace = func(r guest.Record) {
			tr(sim.Record{Index: r.Seq, Time: r.Time, Node: "guest", Kind: r.Kind.String(), Detail: r.What(), Fingerprint: r.Fingerprint})
		}
	}
	oc, err := s.Run(context.Background(), test, c.Seed(), o)
	if err != nil {
		c.Check(&sim.Failure{Kind: "setup", Msg: err.Error()})
		return
	}
	c.AddForeign(scenarios.Foreign{Fingerprint: oc.Fingerprint, Virtual: oc.Virtual, Events: oc.HostCalls})
	c.Reportf("binary sha256:%s; virtual time %v (%v waiting, %v working: %d units of work); %d host calls (%d waits, %d yields)",
		g.Hash[:16], oc.Virtual.Round(time.Microsecond), oc.Idle.Round(time.Microsecond), (oc.Virtual - oc.Idle).Round(time.Microsecond),
		oc.Work, oc.HostCalls, oc.Sleeps, oc.Yields)
	if !oc.Passed() {
		kind, msg := sim.FailureKind(oc.Verdict), oc.Message
		switch oc.Verdict {
		case "fail":
			kind = "test" // "test failure", as the kinds of failure read
		case "wall-limit":
			msg += " (the limit is -run-timeout less a tenth, and at least a second, of margin: raise -run-timeout for a test that is only slow)"
		}
		c.Check(&sim.Failure{Kind: kind, Msg: msg, Time: oc.Virtual, Event: oc.HostCalls, Detail: oc.Detail})
	}
}

// guestFlags are the flags that mean something for simlab's own scenarios
// only: a Go test makes its own faults and checks.
var guestFlags = map[string]string{
	"faults":        "a Go test draws its own faults",
	"strict":        "a Go test sends no simlab messages",
	"strategy":      "a Go test's goroutines are scheduled by the Go runtime, first in first out",
	"p":             "a Go test takes no scenario parameters",
	"viz":           "a Go test checks its own histories",
	"coverage":      "a Go test reaches no simlab marks",
	"minimize":      "a Go test's faults are its own code, not a schedule to shrink",
	"minimize-out":  "a Go test's faults are its own code, not a schedule to shrink",
	"search":        "a Go test's faults are its own code, not a schedule to mutate",
	"html":          "the report draws a World's nodes and messages, which a Go test has none of",
	"input":         "a Go test reads its own input",
	"check-timeout": "a Go test checks its own histories",
}

func checkGuestFlags(set map[string]bool) error {
	for _, name := range node.SortedKeys(set) {
		if why, ok := guestFlags[name]; ok {
			return usagef("-%s does not apply to the tests of -pkg (%s): drop it", name, why)
		}
	}
	return nil
}

// guestWallLimit is the wall time a test may run before the guest stops it
// with its own stack (a loop that never waits), inside -run-timeout, past
// which the sweep kills the worker and knows only that it hung. The margin
// is a tenth of the timeout, but at least a second, which a worker's first
// run spends making the module ready; half the timeout when that leaves
// less.
func guestWallLimit(runTimeout time.Duration) time.Duration {
	wall := runTimeout - max(runTimeout/10, time.Second)
	if wall < runTimeout/2 {
		wall = runTimeout / 2
	}
	return wall
}

// buildPackage builds the package of -pkg and makes the replay commands
// name it. A runtime patch the toolchain could not take is said on stderr:
// the tests still run, but not as the documents describe.
func buildPackage(c *config, v *flagValues, stderr io.Writer) (*guestSetup, error) {
	wall := guestWallLimit(c.runTimeout)
	if v.testTimeout <= 0 {
		return nil, usagef("-test-timeout %v: want a positive duration of virtual time such as 2m", v.testTimeout)
	}
	if v.workCost <= 0 || v.workCost > time.Second {
		return nil, usagef("-work-cost %v: want the virtual time 1,000 units of work take, from 1ns to 1s (default %v)", v.workCost, guest.DefaultWorkCost)
	}
	sched, err := gotest.ParseSchedule(v.sched)
	if err != nil {
		return nil, usagef("-sched %q: %v", v.sched, err)
	}
	g, err := loadPackage(v.pkg, sched, v.testTimeout, v.workCost, wall)
	if err != nil {
		return nil, usagef("-pkg %s: %v", v.pkg, err)
	}
	if g.warning != "" {
		fmt.Fprintf(stderr, "simrun: warning: -pkg %s: %s\n", v.pkg, g.warning)
	}
	cmd := c.opts.Command + " -pkg " + scenarios.ShellQuote(v.pkg)
	for _, f := range guestRunFlags(v) {
		cmd += " " + f
	}
	c.opts.Command = cmd
	return g, nil
}

// guestRunFlags are the flags besides -pkg that change a test's run, as a
// replay command gives them: only those not at their defaults.
func guestRunFlags(v *flagValues) []string {
	var f []string
	if v.testTimeout != gotest.DefaultTimeout {
		f = append(f, "-test-timeout", v.testTimeout.String())
	}
	if v.workCost != guest.DefaultWorkCost {
		f = append(f, "-work-cost", v.workCost.String())
	}
	if s, _ := gotest.ParseSchedule(v.sched); s != gotest.ScheduleFIFO {
		f = append(f, "-sched", string(s))
	}
	return f
}

// selectScenarios is what -scenario and -run select: of the package's
// tests with -pkg (all of them when neither is given), of the registered
// scenarios otherwise.
func selectScenarios(c *config, run string) ([]scenarios.Scenario, error) {
	var re *regexp.Regexp
	if run != "" {
		var err error
		if re, err = regexp.Compile(run); err != nil {
			return nil, usagef("-run %q is not a regular expression: %v", run, err)
		}
	}
	var sel []scenarios.Scenario
	switch {
	case c.guest != nil && c.patterns == "":
		sel = c.guest.scenarios()
	case c.guest != nil:
		names, err := scenarios.MatchNames(c.patterns, c.guest.Tests)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		for _, n := range names {
			sel = append(sel, c.guest.scenario(n))
		}
	case c.patterns == "" && re == nil:
		return nil, usagef("no scenario given: pass -scenario NAME or a pattern such as 'register/*' (-list shows them)")
	case c.patterns == "":
		sel = scenarios.All()
	default:
		var err error
		if sel, err = scenarios.Match(c.patterns); err != nil {
			return nil, usageError{err.Error()}
		}
	}
	if re != nil {
		var kept []scenarios.Scenario
		for _, s := range sel {
			if re.MatchString(s.Name) {
				kept = append(kept, s)
			}
		}
		if len(kept) == 0 {
			return nil, usagef("-run %q matches none of the %d selected (-list shows them)", run, len(sel))
		}
		sel = kept
	}
	return sel, nil
}
