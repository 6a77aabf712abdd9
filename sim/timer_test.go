package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestTimerFires: a timer fires one *node.Timeout with its tag and the ID
// SetTimer returned, after d (a negative d counts as zero).
func TestTimerFires(t *testing.T) {
	type tagT struct{ S string }
	tests := []struct {
		name   string
		d      time.Duration
		tag    any
		wantAt time.Duration
	}{
		{"plain", 250 * time.Millisecond, "hello", 250 * time.Millisecond},
		{"struct tag", time.Second, tagT{"x"}, time.Second},
		{"nil tag", time.Nanosecond, nil, time.Nanosecond},
		{"zero", 0, 1, 0},
		{"negative is zero", -time.Second, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			var id node.TimerID
			a := j.add("a", hooks{start: func(env node.Env, _ bool) { id = env.SetTimer(tc.d, tc.tag) }})
			runFor(t, w, 10*time.Second)
			got := j.filter(a, "timeout")
			if len(got) != 1 {
				t.Fatalf("%d timeouts; want 1", len(got))
			}
			if got[0].At != tc.wantAt || got[0].Msg != tc.tag || got[0].Timer != id {
				t.Errorf("timeout at %v tag %v id %d; want at %v tag %v id %d", got[0].At, got[0].Msg, got[0].Timer, tc.wantAt, tc.tag, id)
			}
		})
	}
}

// TestTimerSetLater: a timer set in a later handler call fires d after that
// call, not after the start.
func TestTimerSetLater(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	a := j.add("a", hooks{
		start: func(env node.Env, _ bool) { env.SetTimer(100*time.Millisecond, "first") },
		timeout: func(env node.Env, _ node.TimerID, tag any) {
			if tag == "first" {
				env.SetTimer(30*time.Millisecond, "second")
			}
		},
	})
	runFor(t, w, time.Second)
	var got []time.Duration
	for _, o := range j.filter(a, "timeout") {
		got = append(got, o.At)
	}
	if want := []time.Duration{100 * time.Millisecond, 130 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("timeouts at %v; want %v", got, want)
	}
}

// TestStopTimer: StopTimer cancels a pending timer, whether it is called in
// the same handler as SetTimer or a later one; stopping a fired or unknown
// timer does nothing.
func TestStopTimer(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		// start runs at t=0; poke runs when a's "poke" timer fires at 50ms.
		start    func(env node.Env, ids map[string]node.TimerID)
		poke     func(env node.Env, ids map[string]node.TimerID)
		wantTags []string
	}{
		{
			name: "stop in the same handler",
			start: func(env node.Env, ids map[string]node.TimerID) {
				id := env.SetTimer(10*ms, "x")
				env.StopTimer(id)
				env.SetTimer(20*ms, "y")
			},
			wantTags: []string{"y"},
		},
		{
			name: "stop a zero timer in the same handler",
			start: func(env node.Env, ids map[string]node.TimerID) {
				env.StopTimer(env.SetTimer(0, "x"))
			},
		},
		{
			name: "stop in a later handler",
			start: func(env node.Env, ids map[string]node.TimerID) {
				ids["x"] = env.SetTimer(100*ms, "x")
				ids["y"] = env.SetTimer(200*ms, "y")
			},
			poke:     func(env node.Env, ids map[string]node.TimerID) { env.StopTimer(ids["x"]) },
			wantTags: []string{"y"},
		},
		{
			name: "stop after it fired",
			start: func(env node.Env, ids map[string]node.TimerID) {
				ids["x"] = env.SetTimer(10*ms, "x")
			},
			poke:     func(env node.Env, ids map[string]node.TimerID) { env.StopTimer(ids["x"]) },
			wantTags: []string{"x"},
		},
		{
			name: "stop unknown ids",
			start: func(env node.Env, ids map[string]node.TimerID) {
				env.StopTimer(0)
				env.StopTimer(12345)
				env.SetTimer(10*ms, "x")
			},
			wantTags: []string{"x"},
		},
		{
			name: "stop one of two with equal deadlines",
			start: func(env node.Env, ids map[string]node.TimerID) {
				env.SetTimer(10*ms, "x")
				env.StopTimer(env.SetTimer(10*ms, "y"))
			},
			wantTags: []string{"x"},
		},
		{
			name: "stop then set again",
			start: func(env node.Env, ids map[string]node.TimerID) {
				env.StopTimer(env.SetTimer(10*ms, "x"))
				env.SetTimer(10*ms, "x2")
			},
			wantTags: []string{"x2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			ids := map[string]node.TimerID{}
			a := j.add("a", hooks{
				start: func(env node.Env, _ bool) {
					tc.start(env, ids)
					env.SetTimer(50*ms, "poke")
				},
				timeout: func(env node.Env, _ node.TimerID, tag any) {
					if tag == "poke" && tc.poke != nil {
						tc.poke(env, ids)
					}
				},
			})
			runFor(t, w, time.Second)
			var got []string
			for _, o := range j.filter(a, "timeout") {
				if o.Msg != "poke" {
					got = append(got, o.Msg.(string))
				}
			}
			if !slices.Equal(got, tc.wantTags) {
				t.Errorf("timers fired %v; want %v", got, tc.wantTags)
			}
		})
	}
}

// TestTimerIDs: within an incarnation SetTimer returns distinct non-zero
// IDs, and each Timeout carries the ID of its timer.
func TestTimerIDs(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	tagOf := map[node.TimerID]int{}
	a := j.add("a", hooks{start: func(env node.Env, _ bool) {
		for i := range 10 {
			id := env.SetTimer(time.Duration(10-i)*time.Millisecond, i)
			if id == 0 {
				t.Errorf("SetTimer returned the zero TimerID")
			}
			if _, dup := tagOf[id]; dup {
				t.Errorf("SetTimer returned %d twice", id)
			}
			tagOf[id] = i
		}
	}})
	runFor(t, w, time.Second)
	got := j.filter(a, "timeout")
	if len(got) != 10 {
		t.Fatalf("%d timeouts; want 10", len(got))
	}
	for _, o := range got {
		if tagOf[o.Timer] != o.Msg {
			t.Errorf("Timeout{ID: %d, Tag: %v}; SetTimer returned %d for tag %d", o.Timer, o.Msg, o.Timer, tagOf[o.Timer])
		}
	}
}

// TestCrashCancelsTimers: no Timeout set by an incarnation reaches a later
// one, even when the new incarnation reuses the same TimerIDs.
func TestCrashCancelsTimers(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		fault func(w *sim.World, id node.ID)
		want  []string // timer tags handled, in order
	}{
		{"crash then restart", func(w *sim.World, id node.ID) {
			w.At(10*ms, "crash", func() { w.Crash(id) })
			w.At(20*ms, "restart", func() { w.Restart(id) })
		}, []string{"new-1"}},
		{"restart of a running node", func(w *sim.World, id node.ID) {
			w.At(20*ms, "restart", func() { w.Restart(id) })
		}, []string{"old-busy", "new-1"}}, // old-busy fired at 15ms, before the restart
		{"crash inside a handler", func(w *sim.World, id node.ID) {
			w.At(10*ms, "crashmid", func() { w.CrashMid(id) })
			w.At(20*ms, "restart", func() { w.Restart(id) })
		}, []string{"old-busy", "new-1"}}, // old-busy's handler is the one cut
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				w := sim.New(seed, sim.Config{})
				j := newJournal(w)
				var ids [][]node.TimerID
				a := j.add("a", hooks{
					start: func(env node.Env, restarted bool) {
						var got []node.TimerID
						if !restarted {
							// old-1 has the ID new-1 will get, and is due
							// while new-1 is pending: only the incarnation
							// tells them apart.
							got = append(got, env.SetTimer(100*ms, "old-1"))
							got = append(got, env.SetTimer(15*ms, "old-busy")) // CrashMid cuts its handler
							got = append(got, env.SetTimer(120*ms, "old-2"))
						} else {
							got = append(got, env.SetTimer(200*ms, "new-1"))
						}
						ids = append(ids, got)
					},
				})
				tc.fault(w, a)
				runFor(t, w, time.Second)
				var tags []string
				for _, o := range j.filter(a, "timeout") {
					tags = append(tags, o.Msg.(string))
					if o.Inc != 2 && o.Msg != "old-busy" {
						t.Errorf("seed %d: timeout %v reached incarnation %d", seed, o.Msg, o.Inc)
					}
				}
				if !slices.Equal(tags, tc.want) {
					t.Errorf("seed %d: timeouts %v; want %v", seed, tags, tc.want)
				}
				if len(ids) != 2 || ids[1][0] != ids[0][0] {
					t.Errorf("seed %d: timer ids %v; want the new incarnation to reuse the first id (the dangerous case)", seed, ids)
				}
				if got := j.filter(a, "timeout"); len(got) > 0 && got[len(got)-1].At != 220*ms {
					t.Errorf("seed %d: new-1 fired at %v; want 220ms", seed, got[len(got)-1].At)
				}
			}
		})
	}
}

// TestClockSkewDrift: SetClock(id, skew, drift) makes env.Now and
// World.Clock read skew ahead of virtual time from the moment it is set and
// gain drift seconds per second after that, and a timer of local duration d
// fires after d/(1+drift) of virtual time. Other nodes' clocks are unaffected.
func TestClockSkewDrift(t *testing.T) {
	s := time.Second
	type reading struct{ virtual, local time.Duration }
	tests := []struct {
		name     string
		setAt    time.Duration
		skew     time.Duration
		drift    float64
		timer    time.Duration // local duration of a timer armed right after SetClock
		wantFire time.Duration // virtual time it fires
		readings []reading     // World.Clock at later virtual times, ascending
	}{
		{"no skew", 0, 0, 0, 3 * s, 3 * s, []reading{{0, 0}, {5 * s, 5 * s}}},
		{"skew ahead", 0, 5 * s, 0, 3 * s, 3 * s, []reading{{0, 5 * s}, {2 * s, 7 * s}}},
		{"skew behind", 10 * s, -4 * s, 0, 1 * s, 11 * s, []reading{{10 * s, 6 * s}, {12 * s, 8 * s}}},
		{"fast clock", 0, 0, 0.5, 3 * s, 2 * s, []reading{{0, 0}, {2 * s, 3 * s}, {4 * s, 6 * s}}},
		{"slow clock", 0, 0, -0.5, 1 * s, 2 * s, []reading{{0, 0}, {2 * s, 1 * s}}},
		{"skew and drift set late", 10 * s, 1 * s, 1.0, 4 * s, 12 * s, []reading{{10 * s, 11 * s}, {12 * s, 15 * s}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			arm := func(env node.Env, restarted bool) {
				if restarted || tc.setAt == 0 {
					env.SetTimer(tc.timer, "fire")
				}
			}
			a := j.add("a", hooks{start: arm})
			b := j.add("b", hooks{})
			if tc.setAt > 0 {
				runFor(t, w, tc.setAt)
				w.SetClock(a, tc.skew, tc.drift)
				w.Restart(a) // a start event at setAt to arm the timer from
			} else {
				w.SetClock(a, tc.skew, tc.drift)
			}
			if got, want := w.Clock(a), tc.setAt+tc.skew; got != want {
				t.Errorf("Clock right after SetClock = %v; want %v", got, want)
			}
			for _, r := range tc.readings {
				runFor(t, w, r.virtual-w.Now())
				if got := w.Clock(a); got != r.local {
					t.Errorf("Clock(a) at %v = %v; want %v", r.virtual, got, r.local)
				}
				if got := w.Clock(b); got != r.virtual {
					t.Errorf("Clock(b) at %v = %v; want %v (b's clock was not set)", r.virtual, got, r.virtual)
				}
			}
			runFor(t, w, time.Minute)
			starts := j.filter(a, "start")
			if last := starts[len(starts)-1]; last.At != tc.setAt+tc.skew || last.Virtual != tc.setAt {
				t.Errorf("arming start: env.Now() %v at virtual %v; want %v at %v", last.At, last.Virtual, tc.setAt+tc.skew, tc.setAt)
			}
			fires := j.filter(a, "timeout")
			if len(fires) != 1 {
				t.Fatalf("%d timeouts; want 1", len(fires))
			}
			if f := fires[0]; f.Virtual != tc.wantFire || f.At != tc.setAt+tc.skew+tc.timer {
				t.Errorf("timer of local %v fired at virtual %v, local %v; want virtual %v, local %v",
					tc.timer, f.Virtual, f.At, tc.wantFire, tc.setAt+tc.skew+tc.timer)
			}
		})
	}
	t.Run("drift of -1 or less panics", func(t *testing.T) {
		w := sim.New(1, sim.Config{})
		a := newJournal(w).add("a", hooks{})
		for _, d := range []float64{-1, -2} {
			if _, did := panics(func() { w.SetClock(a, 0, d) }); !did {
				t.Errorf("SetClock drift %v did not panic; want a panic", d)
			}
		}
	})
}

// TestTimerOnAFastClockMovesTime: on a clock that runs fast, a timer of
// one nanosecond still fires later than it was set (it was rounded down to
// none, and a node waiting for its clock to pass a point set it again for
// ever).
func TestTimerOnAFastClockMovesTime(t *testing.T) {
	w := sim.New(1, sim.Config{})
	var fired []time.Duration
	a := w.AddNode("a", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev.(type) {
			case *node.Start:
				env.SetTimer(time.Nanosecond, nil)
			case *node.Timeout:
				fired = append(fired, w.Now())
			}
		})
	})
	w.SetClock(a, 0, 0.103)
	if err := w.RunFor(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 || fired[0] == 0 {
		t.Fatalf("a 1 ns timer on a clock 10%% fast fired at %v; want once, after time 0", fired)
	}
}
