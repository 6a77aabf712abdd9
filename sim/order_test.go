package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestVirtualTimeOrder: timers and messages are handled in virtual-time
// order whatever order they were set in, and the clock reads each event's
// time while it is handled.
func TestVirtualTimeOrder(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		timers []time.Duration // set by node a at start, in this order
		sends  []time.Duration // node b sends num{i} to a after sends[i] (via its own timers)
	}{
		{"timers ascending", []time.Duration{10 * ms, 20 * ms, 30 * ms}, nil},
		{"timers descending", []time.Duration{50 * ms, 40 * ms, 30 * ms, 20 * ms, 10 * ms}, nil},
		{"timers shuffled", []time.Duration{50 * ms, 10 * ms, 30 * ms, 20 * ms, 40 * ms}, nil},
		{"timers and messages interleaved", []time.Duration{15 * ms, 35 * ms, 5 * ms}, []time.Duration{30 * ms, 0, 10 * ms}},
	}
	const latency = 2 * time.Millisecond
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(7, sim.Config{Link: fixedLink(latency)})
			j := newJournal(w)
			a := j.add("a", hooks{start: func(env node.Env, _ bool) {
				for i, d := range tc.timers {
					env.SetTimer(d, i)
				}
			}})
			b := j.add("b", hooks{
				start: func(env node.Env, _ bool) {
					for i, d := range tc.sends {
						env.SetTimer(d, i)
					}
				},
				timeout: func(env node.Env, _ node.TimerID, tag any) { env.Send(a, num{tag.(int)}) },
			})
			runFor(t, w, time.Second)

			// What a should have seen, in time order.
			type want struct {
				at   time.Duration
				desc string
			}
			var wants []want
			for i, d := range tc.timers {
				wants = append(wants, want{d, fmt.Sprintf("timeout %d", i)})
			}
			for i, d := range tc.sends {
				wants = append(wants, want{d + latency, fmt.Sprintf("recv %d", i)})
			}
			slices.SortFunc(wants, func(x, y want) int { return int(x.at - y.at) })

			var got []want
			for _, o := range j.filter(a, "") {
				switch o.Kind {
				case "timeout":
					got = append(got, want{o.At, fmt.Sprintf("timeout %d", o.Msg)})
				case "recv":
					got = append(got, want{o.At, fmt.Sprintf("recv %d", o.Msg.(num).N)})
				}
				if o.At != o.Virtual {
					t.Errorf("a's env.Now() = %v while World.Now() = %v; want equal (no skew set)", o.At, o.Virtual)
				}
			}
			if !slices.Equal(got, wants) {
				t.Errorf("a handled %v; want %v", got, wants)
			}
			if n := len(j.filter(b, "timeout")); n != len(tc.sends) {
				t.Errorf("b handled %d timeouts; want %d", n, len(tc.sends))
			}
			if w.Now() != time.Second {
				t.Errorf("Now() after RunFor(1s) = %v; want 1s", w.Now())
			}
		})
	}
}

// sameInstantOrder returns the order in which a sink receives num{1..n}
// sent in one handler over a link with a fixed latency, so that all n
// arrive at the same instant.
func sameInstantOrder(t *testing.T, seed uint64, n int) []int {
	t.Helper()
	w := sim.New(seed, sim.Config{Link: fixedLink(5 * time.Millisecond)})
	j := newJournal(w)
	sink := j.add("sink", hooks{})
	j.add("src", hooks{start: func(env node.Env, _ bool) {
		for i := 1; i <= n; i++ {
			env.Send(sink, num{i})
		}
	}})
	runFor(t, w, time.Second)
	recvs := j.filter(sink, "recv")
	for _, o := range recvs {
		if o.At != 5*time.Millisecond {
			t.Fatalf("seed %d: message %v arrived at %v; want 5ms", seed, o.Msg, o.At)
		}
	}
	return j.nums(sink)
}

// TestSameInstantTieBreak: events due at the same instant are ordered by a
// tie-break drawn from the seed: the same seed gives the same order, and
// different seeds explore different orders (not just send order).
func TestSameInstantTieBreak(t *testing.T) {
	const n, seeds = 8, 30
	orders := map[string]uint64{}
	notSendOrder := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		got := sameInstantOrder(t, seed, n)
		if !slices.Equal(sortedCopy(got), seq(n)) {
			t.Fatalf("seed %d: sink received %v; want a permutation of %v", seed, got, seq(n))
		}
		if again := sameInstantOrder(t, seed, n); !slices.Equal(again, got) {
			t.Errorf("seed %d: second run received %v; first run %v; want the same order", seed, again, got)
		}
		if !slices.Equal(got, seq(n)) {
			notSendOrder++
		}
		orders[fmt.Sprint(got)] = seed
	}
	// 8! = 40320 orders: 30 seeds collide rarely. Demand near-distinctness.
	if len(orders) < seeds-2 {
		t.Errorf("%d seeds gave %d distinct same-instant orders; want at least %d", seeds, len(orders), seeds-2)
	}
	if notSendOrder < seeds-2 {
		t.Errorf("%d of %d seeds delivered out of send order; want nearly all (tie-break is not FIFO)", notSendOrder, seeds)
	}
}

// TestSameInstantCalls: World.At callbacks due at one instant also run in a
// seed-drawn order, and all of them run.
func TestSameInstantCalls(t *testing.T) {
	order := func(seed uint64) string {
		w := sim.New(seed, sim.Config{})
		var got []string
		for i := range 6 {
			label := fmt.Sprintf("c%d", i)
			w.At(10*time.Millisecond, label, func() {
				if w.Now() != 10*time.Millisecond {
					t.Errorf("callback %s ran at %v; want 10ms", label, w.Now())
				}
				got = append(got, label)
			})
		}
		runFor(t, w, time.Second)
		if len(got) != 6 {
			t.Fatalf("seed %d: %d callbacks ran; want 6", seed, len(got))
		}
		return strings.Join(got, ",")
	}
	distinct := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		o := order(seed)
		if again := order(seed); again != o {
			t.Errorf("seed %d: order %s then %s; want equal", seed, o, again)
		}
		distinct[o] = true
	}
	if len(distinct) < 15 {
		t.Errorf("20 seeds gave %d distinct orders of 6 simultaneous callbacks; want at least 15", len(distinct))
	}
}

// TestAtInThePast: At with a time already passed runs now, not earlier.
func TestAtInThePast(t *testing.T) {
	w := sim.New(1, sim.Config{})
	runFor(t, w, 50*time.Millisecond)
	var ran time.Duration = -1
	w.At(10*time.Millisecond, "late", func() { ran = w.Now() })
	runFor(t, w, 0)
	if ran != 50*time.Millisecond {
		t.Errorf("At(10ms) set at 50ms ran at %v; want 50ms", ran)
	}
	w.After(5*time.Millisecond, "after", func() { ran = w.Now() })
	runFor(t, w, time.Second)
	if ran != 55*time.Millisecond {
		t.Errorf("After(5ms) set at 50ms ran at %v; want 55ms", ran)
	}
}

// TestRunFor: RunFor handles exactly the events due within d (inclusive) and
// then moves the clock to now+d, even with nothing to do.
func TestRunFor(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		steps       []time.Duration // successive RunFor calls
		wantHandled int             // timeouts handled after all steps
		wantNow     time.Duration
		wantPending int
	}{
		{"zero handles events due now only", []time.Duration{0}, 0, 0, 3},
		{"boundary is inclusive", []time.Duration{20 * ms}, 2, 20 * ms, 1},
		{"just before", []time.Duration{20*ms - 1}, 1, 20*ms - 1, 2},
		{"in pieces", []time.Duration{5 * ms, 5 * ms, 5 * ms, 5 * ms, 5 * ms}, 2, 25 * ms, 1},
		{"past everything", []time.Duration{time.Hour}, 3, time.Hour, 0},
		{"empty queue still advances", []time.Duration{time.Hour, time.Hour}, 3, 2 * time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			a := j.add("a", hooks{start: func(env node.Env, _ bool) {
				env.SetTimer(30*ms, 3)
				env.SetTimer(10*ms, 1)
				env.SetTimer(20*ms, 2)
			}})
			if w.Now() != 0 {
				t.Fatalf("new World's Now() = %v; want 0", w.Now())
			}
			// The start event is due at 0 and handled by any RunFor.
			for _, d := range tc.steps {
				runFor(t, w, d)
			}
			if got := len(j.filter(a, "timeout")); got != tc.wantHandled {
				t.Errorf("handled %d timeouts; want %d", got, tc.wantHandled)
			}
			if w.Now() != tc.wantNow {
				t.Errorf("Now() = %v; want %v", w.Now(), tc.wantNow)
			}
			if w.Pending() != tc.wantPending {
				t.Errorf("Pending() = %d; want %d", w.Pending(), tc.wantPending)
			}
			if want := int64(1 + tc.wantHandled); w.Events() != want {
				t.Errorf("Events() = %d; want %d (start + timeouts)", w.Events(), want)
			}
		})
	}
}

// TestStep: Step handles one event at a time and returns false once the
// queue is empty.
func TestStep(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	j.add("a", hooks{start: func(env node.Env, _ bool) {
		env.SetTimer(10*time.Millisecond, nil)
		env.SetTimer(20*time.Millisecond, nil)
	}})
	wantNow := []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond}
	for i, want := range wantNow {
		if !w.Step() {
			t.Fatalf("Step %d returned false; want true (err %v)", i, w.Err())
		}
		if w.Now() != want {
			t.Errorf("after Step %d Now() = %v; want %v", i, w.Now(), want)
		}
		if len(j.entries) != i+1 {
			t.Errorf("after Step %d %d events handled; want %d", i, len(j.entries), i+1)
		}
	}
	if w.Step() {
		t.Errorf("Step on an empty queue returned true; want false")
	}
	if w.Err() != nil {
		t.Errorf("Err() after draining = %v; want nil", w.Err())
	}
}

// TestRunUntil covers RunUntil's outcomes: the condition holds at once,
// becomes true, the limit passes first, or no events are left.
func TestRunUntil(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		timers   []time.Duration
		condAt   int // cond holds once this many timeouts were handled; -1 never
		limit    time.Duration
		wantErr  string // substring of the liveness message; "" for success
		wantNow  time.Duration
		wantSeen int
	}{
		{"true at once", []time.Duration{10 * ms}, 0, time.Second, "", 0, 0},
		{"becomes true", []time.Duration{10 * ms, 30 * ms, 50 * ms}, 2, time.Second, "", 30 * ms, 2},
		{"true at the deadline", []time.Duration{10 * ms, 30 * ms}, 2, 30 * ms, "", 30 * ms, 2},
		{"limit passes", []time.Duration{10 * ms, 100 * ms}, 2, 50 * ms, "did not happen within 50ms", 50 * ms, 1},
		{"no events left", []time.Duration{10 * ms}, 2, time.Second, "no events left while waiting for", 10 * ms, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(3, sim.Config{})
			j := newJournal(w)
			a := j.add("a", hooks{start: func(env node.Env, _ bool) {
				for _, d := range tc.timers {
					env.SetTimer(d, nil)
				}
			}})
			runFor(t, w, 0) // handle the start event
			cond := func() bool { return tc.condAt >= 0 && len(j.filter(a, "timeout")) >= tc.condAt }
			err := w.RunUntil(cond, tc.limit, "the thing")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("RunUntil = %v; want nil", err)
				}
			} else {
				if err == nil {
					t.Fatalf("RunUntil = nil; want a liveness failure")
				}
				f := asFailure(t, err)
				if f.Kind != sim.Liveness {
					t.Errorf("failure kind %q; want %q", f.Kind, sim.Liveness)
				}
				if !strings.Contains(f.Msg, tc.wantErr) || !strings.Contains(f.Msg, "the thing") {
					t.Errorf("failure message %q; want it to contain %q and the thing waited for", f.Msg, tc.wantErr)
				}
				if f.Seed != 3 || f.Time != tc.wantNow {
					t.Errorf("failure seed %d time %v; want seed 3 time %v", f.Seed, f.Time, tc.wantNow)
				}
			}
			if w.Now() != tc.wantNow {
				t.Errorf("Now() = %v; want %v", w.Now(), tc.wantNow)
			}
			if got := len(j.filter(a, "timeout")); got != tc.wantSeen {
				t.Errorf("%d timeouts handled; want %d", got, tc.wantSeen)
			}
		})
	}
}

// TestAtFirst: AtFirst actions run before every other event of their
// instant, in the order scheduled, and scheduling one early or at its time
// gives the same run.
func TestAtFirst(t *testing.T) {
	run := func(seed uint64, early bool) (string, uint64) {
		w := sim.New(seed, sim.Config{})
		var got []string
		w.AddNode("a", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				switch ev.(type) {
				case *node.Start:
					env.SetTimer(10*time.Millisecond, nil)
				case *node.Timeout:
					got = append(got, fmt.Sprintf("timer@%v", env.Now()))
					env.SetTimer(10*time.Millisecond, nil)
				}
			})
		})
		w.At(20*time.Millisecond, "at", func() { got = append(got, "at") })
		add := func() {
			for i := range 3 {
				w.AtFirst(20*time.Millisecond, fmt.Sprint("first", i), func() { got = append(got, fmt.Sprint("first", i)) })
			}
		}
		if early {
			add()
			runFor(t, w, 50*time.Millisecond)
		} else {
			runFor(t, w, 20*time.Millisecond-1)
			add()
			runFor(t, w, 30*time.Millisecond+1)
		}
		return strings.Join(got, " "), w.Fingerprint()
	}
	for seed := uint64(1); seed <= 20; seed++ {
		early, fpEarly := run(seed, true)
		late, fpLate := run(seed, false)
		if !strings.Contains(early, "timer@10ms first0 first1 first2 ") {
			t.Fatalf("seed %d: %s; want the three AtFirst actions in order before the 20ms timer and At", seed, early)
		}
		if early != late || fpEarly != fpLate {
			t.Fatalf("seed %d: scheduled early %q (%016x), at its time %q (%016x); want the same run", seed, early, fpEarly, late, fpLate)
		}
	}
}
