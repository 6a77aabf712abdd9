package scenariotest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/scenarios"
)

// faultMachine is rapid's state machine (rapid.T.Repeat) over a fault
// schedule: each step lets time pass, then takes one action whose
// precondition holds in the model (which nodes are down or paused, whether
// the network is split). rapid shrinks a failing sequence by dropping and
// simplifying steps, and the model keeps every shrunk sequence a valid
// schedule: no restart of a node that is up, no second crash of a node
// that is down.
type faultMachine struct {
	nodes    []string
	end      time.Duration
	now      time.Duration
	down     map[string]bool
	pausedTo map[string]time.Duration
	split    bool
	lossy    bool
	s        scenarios.Schedule
}

// add appends an action and keeps the model of who is down by the
// operation's Life in the fault table, the same rule the schedule is
// checked by (Schedule.CheckSequence).
func (m *faultMachine) add(op string, args ...string) {
	a := scenarios.Action{At: m.now, Op: op, Args: args}
	m.s = append(m.s, a)
	o, ok := faults.Lookup(op)
	if !ok {
		panic("scenariotest: the fault machine draws an operation the table does not have: " + op)
	}
	switch o.Life {
	case faults.TakesDown:
		m.down[args[0]] = true
	case faults.BringsUp:
		delete(m.down, args[0])
	case faults.RevivesAll:
		clear(m.down)
	}
}

// step lets a drawn gap of time pass; it skips the action once the fault
// phase is over.
func (m *faultMachine) step(t *rapid.T) {
	m.now += time.Duration(rapid.IntRange(1, 800).Draw(t, "gap_ms")) * time.Millisecond
	if m.now >= m.end {
		m.now = m.end
		t.Skip("the fault phase is over")
	}
}

func (m *faultMachine) up() []string {
	var up []string
	for _, n := range m.nodes {
		if !m.down[n] && m.pausedTo[n] <= m.now {
			up = append(up, n)
		}
	}
	return up
}

func (m *faultMachine) crash(t *rapid.T, op string) {
	m.step(t)
	up := m.up()
	if len(up) == 0 {
		t.Skip("every node is down")
	}
	// A correlated failure takes several at once, as a power loss does.
	set := rapid.SliceOfNDistinct(rapid.SampledFrom(up), 1, len(up), func(s string) string { return s }).Draw(t, "crashed")
	slices.Sort(set)
	for _, n := range set {
		m.add(op, n)
	}
}

func (m *faultMachine) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"crash":     func(t *rapid.T) { m.crash(t, "crash") },
		"crash-mid": func(t *rapid.T) { m.crash(t, "crash-mid") },
		"restart": func(t *rapid.T) {
			m.step(t)
			var down []string
			for _, n := range m.nodes {
				if m.down[n] {
					down = append(down, n)
				}
			}
			if len(down) == 0 {
				t.Skip("no node is down")
			}
			n := rapid.SampledFrom(down).Draw(t, "restarted")
			m.add("restart", n)
		},
		"pause": func(t *rapid.T) {
			m.step(t)
			up := m.up()
			if len(up) == 0 {
				t.Skip("every node is down")
			}
			n := rapid.SampledFrom(up).Draw(t, "paused")
			d := time.Duration(rapid.IntRange(50, 1500).Draw(t, "pause_ms")) * time.Millisecond
			m.add("pause", n, d.String())
			m.pausedTo[n] = m.now + d
		},
		"partition": func(t *rapid.T) {
			m.step(t)
			perm := rapid.Permutation(m.nodes).Draw(t, "sides")
			k := rapid.IntRange(1, len(m.nodes)/2).Draw(t, "minority")
			m.add("partition", strings.Join(perm[:k], ",")+"|"+strings.Join(perm[k:], ","))
			m.split = true
		},
		"isolate": func(t *rapid.T) {
			m.step(t)
			m.add("isolate", rapid.SampledFrom(m.nodes).Draw(t, "isolated"))
			m.split = true
		},
		"heal": func(t *rapid.T) {
			m.step(t)
			if !m.split {
				t.Skip("the network is whole")
			}
			m.add("heal")
			m.split = false
		},
		"loss": func(t *rapid.T) {
			m.step(t)
			p := rapid.IntRange(0, 40).Draw(t, "loss_percent")
			m.add("loss", fmt.Sprintf("%.2f", float64(p)/100))
			m.lossy = p > 0
		},
		// wait only lets time pass: the action that is always possible,
		// so the machine never runs out of valid steps.
		"wait": func(t *rapid.T) {
			if m.now < m.end {
				m.now = min(m.end, m.now+time.Duration(rapid.IntRange(1, 800).Draw(t, "wait_ms"))*time.Millisecond)
			}
		},
		"": func(t *rapid.T) {
			if m.now > m.end {
				t.Fatalf("the model's clock %v passed the fault phase's end %v", m.now, m.end)
			}
		},
	}
}

// DrawFaultSteps draws a fault schedule over nodes with rapid's state
// machine API: a sequence of steps, each some time passing and then one of
// crash (any set of nodes at once, also inside a handler), restart, pause,
// partition, isolate, heal, loss, or nothing, all before end, where the
// schedule ends in calm. The schedule is always valid, so rapid's shrinking
// (fewer steps, smaller sets, shorter gaps) only ever tries real
// schedules.
func DrawFaultSteps(t *rapid.T, nodes []string, end time.Duration) scenarios.Schedule {
	m := &faultMachine{nodes: nodes, end: end, down: map[string]bool{}, pausedTo: map[string]time.Duration{}}
	t.Repeat(m.actions())
	m.now = end
	m.add("calm")
	return m.s
}

// CheckRun runs scenario s at seed with the options and fails t with the
// failure and the command that replays it (under the registered scenario
// replayAs, which must run the same code: s itself, or the correct
// system's scenario when s is a broken copy of it). The replay command is
// also written to testdata/rapid/<test>/replay.txt, next to rapid's own
// fail file (unless -rapid.nofailfile), so that a failure found by a long
// run is kept: each failing run overwrites it, and rapid runs the smallest
// failing case last.
func CheckRun(t *rapid.T, s scenarios.Scenario, replayAs string, seed uint64, o scenarios.Options) scenarios.Outcome {
	o.TraceTail = -1
	lastRun.Lock()
	lastRun.n++
	lastRun.faults, lastRun.seed = o.Faults, seed
	lastRun.Unlock()
	out, err := scenarios.RunScenario(s, seed, o)
	if err != nil {
		t.Fatalf("%s seed %d, schedule %q: %v", s.Name, seed, o.Faults, err)
	}
	if !out.Passed {
		replay := scenarios.ReplayCommand(replayAs, seed, o)
		how := "replay"
		if replayAs != s.Name {
			how = "replay on " + replayAs + ", of which this run's scenario is a copy"
		}
		msg := "unknown: " + strings.Join(out.Unknown, "; ")
		if len(out.Failures) > 0 {
			msg = fmt.Sprintf("%s: %s", out.Failures[0].Kind, out.Failures[0].Msg)
		}
		saveReplay(t.Name(), replay)
		lastFailure.Lock()
		lastFailure.s, lastFailure.seed, lastFailure.o, lastFailure.sig = s, seed, o, scenarios.Signature(out)
		lastFailure.Unlock()
		t.Fatalf("%s seed %d fails: %.300s\nschedule: %s\n%s: %s", s.Name, seed, msg, o.Faults, how, replay)
	}
	return out
}

// lastFailure is the last run CheckRun saw fail, for Counterexample.
var lastFailure struct {
	sync.Mutex
	s    scenarios.Scenario
	seed uint64
	o    scenarios.Options
	sig  string
}

// saveReplay writes a replay command to testdata/rapid/<test>/replay.txt.
func saveReplay(test, replay string) {
	if f := flag.Lookup("rapid.nofailfile"); test == "" || f != nil && f.Value.String() == "true" {
		return
	}
	dir := filepath.Join("testdata", "rapid", strings.NewReplacer("/", "_", " ", "_").Replace(test))
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	os.WriteFile(filepath.Join(dir, "replay.txt"), []byte(replay+"\n"), 0o644)
}

// shrinkRecorder is a rapid.TB that keeps rapid's report of a failure
// instead of failing the test, so that a test can assert that a property
// fails and what it shrank to.
type shrinkRecorder struct {
	*testing.T
	failed bool
	msg    string
}

func (r *shrinkRecorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}
func (r *shrinkRecorder) Fatal(args ...any)                 { r.failed, r.msg = true, fmt.Sprint(args...) }
func (r *shrinkRecorder) Errorf(format string, args ...any) { r.Fatalf(format, args...) }
func (r *shrinkRecorder) Error(args ...any)                 { r.Fatal(args...) }
func (r *shrinkRecorder) FailNow()                          { r.failed = true }
func (r *shrinkRecorder) Fail()                             { r.failed = true }
func (r *shrinkRecorder) Failed() bool                      { return r.failed }

// Shrunk is the smallest failing case of a property built on CheckRun:
// rapid's, then made smaller still by scenarios.Minimize.
type Shrunk struct {
	// Rapid is the schedule rapid shrank the failure to.
	Rapid scenarios.Schedule
	// Schedule, Seed and Options are the case after Minimize: pass
	// Options (with Faults = Schedule) and Seed to replay it.
	Schedule scenarios.Schedule
	Seed     uint64
	Options  scenarios.Options
	Report   string // rapid's report
}

// Counterexample runs prop with rapid from a fixed seed, for at most
// checks cases and shrinkTime of shrinking, expecting a failure: it fails
// t if there is none. rapid shrinks by its draws, and a step dropped from
// a sequence moves every later one in time, which can keep a few actions
// it does not need; so the case rapid reports, once checked to replay
// (the same scenario, seed and options fail the same way), is handed to
// scenarios.Minimize, whose delta debugging works on the schedule itself.
// A test of a broken variant asserts with it that the property catches the
// bug and that the case comes down to a few actions.
func Counterexample(t *testing.T, checks int, shrinkTime time.Duration, prop func(*rapid.T)) Shrunk {
	t.Helper()
	defer setRapidFlags(t, checks, shrinkTime)()
	lastFailure.Lock()
	lastFailure.s = scenarios.Scenario{}
	lastFailure.Unlock()
	rec := &shrinkRecorder{T: t}
	rapid.Check(rec, prop)
	if !rec.failed {
		t.Fatalf("the property held in %d cases: rapid found no counterexample", checks)
	}
	lastFailure.Lock()
	s, seed, o, sig := lastFailure.s, lastFailure.seed, lastFailure.o, lastFailure.sig
	lastFailure.Unlock()
	if s.Run == nil {
		t.Fatalf("the property failed without a failing run (not through CheckRun?):\n%s", rec.msg)
	}
	sched, err := scenarios.ParseSchedule(o.Faults)
	if err != nil {
		t.Fatalf("the shrunk schedule %q does not parse: %v", o.Faults, err)
	}
	again, err := scenarios.RunScenario(s, seed, o)
	if err != nil || scenarios.Signature(again) != sig {
		t.Fatalf("the shrunk case does not replay: %s seed %d -faults %q gives %v, %q; want %q", s.Name, seed, o.Faults, err, scenarios.Signature(again), sig)
	}
	m, err := scenarios.Minimize(s, seed, o, nil)
	if err != nil {
		t.Fatalf("minimizing rapid's case: %v", err)
	}
	small, err := scenarios.ParseSchedule(m.Faults)
	if err != nil {
		t.Fatalf("the minimized schedule %q does not parse: %v", m.Faults, err)
	}
	o.Faults, o.Params = m.Faults, m.Params
	return Shrunk{Rapid: sched, Schedule: small, Seed: seed, Options: o, Report: rec.msg}
}

// Actions is how many actions s has, not counting the final calm.
func Actions(s scenarios.Schedule) int {
	n := 0
	for _, a := range s {
		if a.Op != "calm" {
			n++
		}
	}
	return n
}

// lastRun is the schedule of the last run CheckRun made, for FuzzCorpus.
var lastRun struct {
	sync.Mutex
	n      int
	faults string
	seed   uint64
}

// FuzzCorpus runs every seed input of fuzz target under testdata/fuzz
// through prop, as go test does with a fuzz target's corpus, and requires
// each to make a real run: an input that ends before the property has
// drawn its case is skipped by rapid, which would leave the corpus testing
// nothing. Each input's case is logged.
func FuzzCorpus(t *testing.T, target string, prop func(*rapid.T)) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if len(files) == 0 {
		t.Fatalf("no seed corpus in testdata/fuzz/%s", target)
	}
	fuzz := rapid.MakeFuzz(prop)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		header, lit, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		input, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if header != "go test fuzz v1" || err != nil {
			t.Fatalf("%s is not a corpus file of one []byte (go test fuzz v1): %v", f, err)
		}
		lastRun.Lock()
		before := lastRun.n
		lastRun.Unlock()
		skipped := false
		t.Run(filepath.Base(f), func(t *testing.T) {
			defer func() { skipped = t.Skipped() }()
			fuzz(t, []byte(input))
		})
		lastRun.Lock()
		ran, faults, seed := lastRun.n > before, lastRun.faults, lastRun.seed
		lastRun.Unlock()
		if skipped || !ran {
			t.Errorf("%s ends before the property drew its case (skipped=%v): it tests nothing; give it more bytes", f, skipped)
			continue
		}
		t.Logf("%s: seed %d, schedule %s", filepath.Base(f), seed, faults)
	}
}

// RapidRunsToFailure runs prop under rapid (seed 1, at most checks cases,
// no shrinking worth the name) and returns how many cases it drew up to
// and including the first that failed, 0 if none did: the figure to set
// against scenarios.Search and plain seeds on one broken variant.
func RapidRunsToFailure(t *testing.T, checks int, prop func(*rapid.T)) int {
	t.Helper()
	defer setRapidFlags(t, checks, time.Millisecond)()
	runs, first := 0, 0
	rec := &shrinkRecorder{T: t}
	rapid.Check(rec, func(rt *rapid.T) {
		runs++
		defer func() {
			if r := recover(); r != nil {
				if first == 0 {
					first = runs
				}
				panic(r)
			}
		}()
		prop(rt)
	})
	return first
}

// setRapidFlags sets rapid's flags for a measured check (seed 1, checks
// cases, shrinking for at most shrinkTime, no failure file) and returns
// what puts them back.
func setRapidFlags(t *testing.T, checks int, shrinkTime time.Duration) (restore func()) {
	t.Helper()
	var undo []func()
	for _, name := range []string{"rapid.nofailfile", "rapid.seed", "rapid.checks", "rapid.shrinktime"} {
		v := map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.checks": fmt.Sprint(checks), "rapid.shrinktime": shrinkTime.String()}[name]
		f := flag.Lookup(name)
		if f == nil {
			t.Fatalf("no flag -%s: is rapid linked?", name)
		}
		old := f.Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		undo = append(undo, func() { flag.Set(name, old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}
