package sim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestHandlerPanic: a panic in a handler becomes the run's failure: Kind
// Panic, the node's name, the panic value, a stack, the time and seed; Step
// returns false from then on and RunFor/RunUntil return it.
func TestHandlerPanic(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"string", "boom", "boom"},
		{"error", errors.New("bad state"), "bad state"},
		{"runtime error", nil, "index out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(99, sim.Config{})
			j := newJournal(w)
			j.add("calm", hooks{})
			j.add("victim", hooks{
				start: func(env node.Env, _ bool) { env.SetTimer(10*ms, nil) },
				timeout: func(env node.Env, _ node.TimerID, _ any) {
					env.Send(0, num{1}) // must not take effect
					if tc.value == nil {
						_ = outOfRange(3) // a runtime error, not a panic call
					}
					panic(tc.value)
				},
			})
			var steps int
			for w.Step() {
				steps++
			}
			f := w.Failure()
			if f == nil {
				t.Fatalf("Err() = nil after a panic; want a failure")
			}
			if steps != 2 || w.Events() != 3 {
				t.Errorf("Step returned true %d times, Events %d; want 2 and 3 (two starts, then the panic)", steps, w.Events())
			}
			if f.Kind != sim.Panic || f.Node != "victim" || !strings.Contains(f.Msg, tc.want) {
				t.Errorf("failure kind %q node %q msg %q; want panic, victim, containing %q", f.Kind, f.Node, f.Msg, tc.want)
			}
			if !strings.Contains(f.Stack, "goroutine") || !strings.Contains(f.Stack, "failure_test.go") {
				t.Errorf("Stack %q; want a goroutine stack through the handler", f.Stack)
			}
			if f.Seed != 99 || f.Time != 10*ms || f.Event != 3 {
				t.Errorf("failure seed %d time %v event %d; want 99 10ms 3", f.Seed, f.Time, f.Event)
			}
			if w.Step() {
				t.Errorf("Step after a failure returned true; want false")
			}
			if err := w.RunFor(time.Second); err != f {
				t.Errorf("RunFor after a failure = %v; want the failure", err)
			}
			if err := w.RunUntil(func() bool { return false }, time.Second, "x"); err != f {
				t.Errorf("RunUntil after a failure = %v; want the failure", err)
			}
			if w.Now() != 10*ms {
				t.Errorf("Now() = %v; want the clock stopped at the failure, 10ms", w.Now())
			}
			if s := w.Stats(); s.Sent != 0 {
				t.Errorf("Sent = %d; want 0 (a panicking handler's effects are dropped)", s.Sent)
			}
			line := f.Error()
			for _, part := range []string{"panic failure", "seed 99", "t=0.010000s", "node victim", tc.want} {
				if !strings.Contains(line, part) {
					t.Errorf("Error() = %q; want it to contain %q", line, part)
				}
			}
			if strings.Contains(line, "\n") && tc.value != nil {
				t.Errorf("Error() = %q; want one line", line)
			}
			if rep := f.Report(); !strings.Contains(rep, "stack:") || !strings.HasPrefix(rep, line) {
				t.Errorf("Report() = %q; want the Error line then the stack", rep)
			}
		})
	}
}

// TestObserve: an observer returning an error fails the run with an
// Invariant failure naming the check, after the event that broke it.
func TestObserve(t *testing.T) {
	w := sim.New(5, sim.Config{})
	j := newJournal(w)
	a := j.add("a", hooks{start: func(env node.Env, _ bool) {
		for i := 1; i <= 5; i++ {
			env.SetTimer(time.Duration(i)*time.Millisecond, i)
		}
	}})
	calls := map[string]int{}
	w.Observe("always fine", func() error { calls["fine"]++; return nil })
	w.Observe("at most two timeouts", func() error {
		calls["limit"]++
		if n := len(j.filter(a, "timeout")); n > 2 {
			return fmt.Errorf("%d timeouts", n)
		}
		return nil
	})
	w.Observe("never reached", func() error { calls["after"]++; return nil })
	err := w.RunFor(time.Second)
	f := asFailure(t, err)
	if f.Kind != sim.Invariant || !strings.Contains(f.Msg, "at most two timeouts") || !strings.Contains(f.Msg, "3 timeouts") {
		t.Errorf("failure %q %q; want invariant naming the check and its error", f.Kind, f.Msg)
	}
	if f.Time != 3*time.Millisecond || w.Events() != 4 {
		t.Errorf("failed at %v after %d events; want 3ms after 4", f.Time, w.Events())
	}
	if calls["fine"] != 4 || calls["limit"] != 4 || calls["after"] != 3 {
		t.Errorf("observer calls %v; want fine 4, limit 4, after 3 (run after every event, stop at the first error)", calls)
	}
}

// TestObserveNodes: a scoped observer runs after events at its nodes and
// after world actions, and not after events at other nodes.
func TestObserveNodes(t *testing.T) {
	w := sim.New(5, sim.Config{})
	j := newJournal(w)
	tick := func(n int) func(env node.Env, _ bool) {
		return func(env node.Env, _ bool) {
			for i := 1; i <= n; i++ {
				env.SetTimer(time.Duration(i)*time.Millisecond, i)
			}
		}
	}
	a := j.add("a", hooks{start: tick(2)})
	b := j.add("b", hooks{start: tick(3)})
	calls := map[string]int{}
	w.ObserveNodes("a's", []node.ID{a}, func() error { calls["a"]++; return nil })
	w.ObserveNodes("b's and a later node's", []node.ID{b, 7}, func() error { calls["b"]++; return nil })
	w.Observe("everyone's", func() error { calls["all"]++; return nil })
	w.At(10*time.Millisecond, "a world action", func() {})
	runFor(t, w, time.Second)
	// a: start + 2 timeouts; b: start + 3 timeouts; one world action.
	if want := map[string]int{"a": 3 + 1, "b": 4 + 1, "all": 3 + 4 + 1}; calls["a"] != want["a"] || calls["b"] != want["b"] || calls["all"] != want["all"] {
		t.Errorf("observer calls %v, want %v", calls, want)
	}
}

// TestBudgets: running past MaxEvents or MaxTime is a Budget failure.
func TestBudgets(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name       string
		cfg        sim.Config
		wantEvents int64
		wantMsg    string
		maxNow     time.Duration
	}{
		{"events", sim.Config{MaxEvents: 10}, 10, "event budget of 10 events", time.Hour},
		{"time", sim.Config{MaxTime: 95 * ms}, 10, "virtual-time budget of 95ms", 95 * ms},
		{"time boundary inclusive", sim.Config{MaxTime: 100 * ms}, 11, "virtual-time budget of 100ms", 100 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, tc.cfg)
			j := newJournal(w)
			// A timer every 10ms, forever: start at 0, timeouts at 10, 20, ...
			j.add("loop", hooks{
				start:   func(env node.Env, _ bool) { env.SetTimer(10*ms, nil) },
				timeout: func(env node.Env, _ node.TimerID, _ any) { env.SetTimer(10*ms, nil) },
			})
			err := w.RunFor(time.Hour)
			f := asFailure(t, err)
			if f.Kind != sim.Budget || !strings.Contains(f.Msg, tc.wantMsg) {
				t.Errorf("failure %q %q; want budget containing %q", f.Kind, f.Msg, tc.wantMsg)
			}
			if w.Events() != tc.wantEvents {
				t.Errorf("Events() = %d; want %d", w.Events(), tc.wantEvents)
			}
			if w.Now() > tc.maxNow {
				t.Errorf("Now() = %v; want at most %v", w.Now(), tc.maxNow)
			}
		})
	}
}

// TestUnknownNode: sending to an ID that names no node fails the run.
func TestUnknownNode(t *testing.T) {
	for _, to := range []node.ID{2, 100, node.None} {
		t.Run(to.String(), func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			j.add("a", hooks{start: func(env node.Env, _ bool) { env.Send(to, num{1}) }})
			j.add("b", hooks{})
			err := w.RunFor(time.Second)
			if err == nil {
				t.Fatalf("sending to %v succeeded; want a failure", to)
			}
			f := asFailure(t, err)
			if f.Node != "a" || !strings.Contains(f.Msg, "unknown node") {
				t.Errorf("failure node %q msg %q; want node a and \"unknown node\"", f.Node, f.Msg)
			}
		})
	}
}

// TestWorldFail: a scenario's own check stops the run with its kind.
func TestWorldFail(t *testing.T) {
	w := sim.New(3, sim.Config{})
	newJournal(w).add("a", hooks{start: func(env node.Env, _ bool) { env.SetTimer(time.Second, nil) }})
	w.At(10*time.Millisecond, "check", func() { w.Fail(sim.Check, "value %d is wrong", 7) })
	w.At(20*time.Millisecond, "second", func() { w.Fail(sim.Check, "second") })
	err := w.RunFor(time.Minute)
	f := asFailure(t, err)
	if f.Kind != sim.Check || f.Msg != "value 7 is wrong" || f.Time != 10*time.Millisecond || f.Seed != 3 {
		t.Errorf("failure %+v; want check, \"value 7 is wrong\", 10ms, seed 3", f)
	}
	w.Fail(sim.Check, "later") // the first failure stands
	if w.Failure().Msg != "value 7 is wrong" {
		t.Errorf("a later Fail replaced the first failure: %q", w.Failure().Msg)
	}
}

// TestErrIsNilWithoutAFailure: Err is a nil interface until the run fails,
// so `if err := w.Err(); err != nil` and a caller's Must(w.Err()) are right
// as written (a typed nil *Failure in an error would not be), and then it is
// the very failure Failure returns.
func TestErrIsNilWithoutAFailure(t *testing.T) {
	w := sim.New(1, sim.Config{})
	newJournal(w).add("a", hooks{start: func(env node.Env, _ bool) { env.SetTimer(time.Second, nil) }})
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := w.Err(); err != nil {
		t.Fatalf("Err() = %#v on a run that did not fail; want a nil error", err)
	}
	if w.Failure() != nil {
		t.Fatalf("Failure() = %v; want nil", w.Failure())
	}
	w.Fail(sim.Check, "now it fails")
	var f *sim.Failure
	if err := w.Err(); !errors.As(err, &f) || f != w.Failure() || f.Msg != "now it fails" {
		t.Fatalf("Err() = %v; want the failure %v", err, w.Failure())
	}
}

// TestNodeRegistry: names, lookups, IDs and misuse of AddNode.
func TestNodeRegistry(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	a := j.add("alpha", hooks{})
	b := j.add("", hooks{})
	if a != 0 || b != 1 {
		t.Errorf("IDs %v %v; want n0 n1", a, b)
	}
	if w.Name(a) != "alpha" || w.Name(b) != "n1" || w.Name(7) != "n7" {
		t.Errorf("names %q %q %q; want alpha n1 n7", w.Name(a), w.Name(b), w.Name(7))
	}
	if id, ok := w.Lookup("alpha"); !ok || id != a {
		t.Errorf("Lookup(alpha) = %v, %v; want %v, true", id, ok, a)
	}
	if _, ok := w.Lookup("nobody"); ok {
		t.Errorf("Lookup(nobody) found a node")
	}
	if got := w.Nodes(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Nodes() = %v; want [n0 n1]", got)
	}
	if _, did := panics(func() { w.AddNode("alpha", func() node.Handler { return &fnNode{} }) }); !did {
		t.Errorf("a second node named alpha was accepted; want a panic")
	}
	if _, did := panics(func() { w.Crash(5) }); !did {
		t.Errorf("Crash of an unknown node did not panic")
	}
	if w.Seed() != 1 {
		t.Errorf("Seed() = %d; want 1", w.Seed())
	}
}

// outOfRange indexes past the end of a slice: a runtime error panic.
func outOfRange(i int) int {
	s := make([]int, i)
	return s[i]
}

// TestAFailureNamesNodesByName: a failure written with node IDs in their
// default form ("n1", as a system's own panic or status line has them)
// speaks of the nodes by the names the trace uses; words that only look
// like IDs are left alone.
func TestAFailureNamesNodesByName(t *testing.T) {
	w := sim.New(3, sim.Config{})
	j := newJournal(w)
	j.add("alpha", hooks{})
	j.add("beta", hooks{})
	w.At(time.Millisecond, "check", func() { w.Fail(sim.Check, "n1 lost n0's write; n9 and ann1 and n1x are not nodes") })
	f := asFailure(t, w.RunFor(time.Second))
	if want := "beta lost alpha's write; n9 and ann1 and n1x are not nodes"; f.Msg != want {
		t.Errorf("failure %q, want %q", f.Msg, want)
	}
	if got := w.Names("(worker n0, n1)"); got != "(worker alpha, beta)" {
		t.Errorf("Names: %q", got)
	}
}
