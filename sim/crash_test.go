package sim_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// ticker returns hooks that send num{1}, num{2}, ... to dst every period,
// starting one period after start, count times.
func ticker(dst node.ID, period time.Duration, count int) hooks {
	n := 0
	return hooks{
		start: func(env node.Env, _ bool) { env.SetTimer(period, nil) },
		timeout: func(env node.Env, _ node.TimerID, _ any) {
			n++
			env.Send(dst, num{n})
			if n < count {
				env.SetTimer(period, nil)
			}
		},
	}
}

// TestCrashAndRestart: after Crash, messages to the node are dropped and
// counted, Handler is nil and Up is false; Restart builds a new handler from
// the factory and delivers Start{Restarted: true}; the new incarnation gets
// the messages that arrive after it.
func TestCrashAndRestart(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(1, sim.Config{Link: fixedLink(ms)})
	j := newJournal(w)
	target := j.add("target", hooks{})
	src := j.add("src", ticker(target, 10*ms, 10)) // arrivals at 11, 21, ..., 101 ms

	runFor(t, w, 25*ms)
	h1 := w.Handler(target)
	if h1 == nil || !w.Up(target) {
		t.Fatalf("before the crash: Handler %v, Up %v; want a handler and true", h1, w.Up(target))
	}
	w.Crash(target)
	if w.Handler(target) != nil || w.Up(target) {
		t.Errorf("after Crash: Handler %v, Up %v; want nil and false", w.Handler(target), w.Up(target))
	}
	w.Crash(target)     // crashing a down node does nothing
	runFor(t, w, 30*ms) // to 55ms: arrivals at 31, 41, 51 are dropped
	if got := w.NodeStats(src).Dropped; got != 3 {
		t.Errorf("sender's Dropped after 3 arrivals at a crashed node = %d; want 3", got)
	}
	w.Restart(target)
	if h2 := w.Handler(target); h2 == nil || h2 == h1 || !w.Up(target) {
		t.Errorf("after Restart: Handler %p (old %p), Up %v; want a new handler and true", h2, h1, w.Up(target))
	}
	runFor(t, w, time.Second)

	if j.builds[target] != 2 {
		t.Errorf("factory called %d times for target; want 2", j.builds[target])
	}
	var starts []bool
	for _, o := range j.filter(target, "start") {
		starts = append(starts, o.Restarted)
	}
	if want := []bool{false, true}; !slices.Equal(starts, want) {
		t.Errorf("starts Restarted = %v; want %v", starts, want)
	}
	var inc1, inc2 []int
	for _, o := range j.filter(target, "recv") {
		if o.Inc == 1 {
			inc1 = append(inc1, o.Msg.(num).N)
		} else {
			inc2 = append(inc2, o.Msg.(num).N)
		}
	}
	if !slices.Equal(inc1, []int{1, 2}) || !slices.Equal(inc2, []int{6, 7, 8, 9, 10}) {
		t.Errorf("first incarnation got %v, second %v; want [1 2] and [6 7 8 9 10]", inc1, inc2)
	}
	ts, ss := w.NodeStats(target), w.NodeStats(src)
	if ts.Crashes != 1 || ts.Restarts != 1 || ts.Delivered != 7 {
		t.Errorf("target stats Crashes %d Restarts %d Delivered %d; want 1 1 7", ts.Crashes, ts.Restarts, ts.Delivered)
	}
	if ss.Sent != 10 || ss.Dropped != 3 {
		t.Errorf("src stats Sent %d Dropped %d; want 10 3", ss.Sent, ss.Dropped)
	}
	if tot := w.Stats(); tot.Sent != 10 || tot.Delivered != 7 || tot.Dropped != 3 || tot.Crashes != 1 {
		t.Errorf("totals Sent %d Delivered %d Dropped %d Crashes %d; want 10 7 3 1", tot.Sent, tot.Delivered, tot.Dropped, tot.Crashes)
	}
}

// TestRestartRunningNode: Restart of a running node crashes it first.
func TestRestartRunningNode(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	a := j.add("a", hooks{})
	runFor(t, w, time.Millisecond)
	w.Restart(a)
	runFor(t, w, time.Millisecond)
	st := w.NodeStats(a)
	if st.Crashes != 1 || st.Restarts != 1 || j.builds[a] != 2 {
		t.Errorf("Crashes %d Restarts %d factory calls %d; want 1 1 2", st.Crashes, st.Restarts, j.builds[a])
	}
	if starts := j.filter(a, "start"); len(starts) != 2 || !starts[1].Restarted || starts[1].Inc != 2 {
		t.Errorf("starts %+v; want two, the second Restarted in incarnation 2", starts)
	}
}

// TestMessagesFromOldIncarnation: a message sent by an earlier incarnation
// that is still in flight arrives after the sender restarts.
func TestMessagesFromOldIncarnation(t *testing.T) {
	w := sim.New(1, sim.Config{Link: fixedLink(50 * time.Millisecond)})
	j := newJournal(w)
	dst := j.add("dst", hooks{})
	src := j.add("src", hooks{start: func(env node.Env, restarted bool) {
		if !restarted {
			env.Send(dst, num{1})
		}
	}})
	runFor(t, w, 10*time.Millisecond)
	w.Crash(src)
	w.Restart(src)
	runFor(t, w, time.Second)
	if got := j.nums(dst); !slices.Equal(got, []int{1}) {
		t.Errorf("dst received %v; want [1] (in-flight messages of a crashed sender still arrive)", got)
	}
}

// TestStaleEnvPanics: an Env used outside its own Handle call panics; used
// from another incarnation's handler, the panic becomes a Panic failure.
func TestStaleEnvPanics(t *testing.T) {
	var kept node.Env
	var keptDisk node.Disk
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	a := j.add("a", hooks{start: func(env node.Env, restarted bool) {
		if !restarted {
			kept, keptDisk = env, env.Disk()
		}
	}})
	b := j.add("b", hooks{})
	runFor(t, w, time.Millisecond)

	uses := []struct {
		name string
		use  func()
	}{
		{"Now", func() { kept.Now() }},
		{"Rand", func() { kept.Rand() }},
		{"Send", func() { kept.Send(b, num{1}) }},
		{"SetTimer", func() { kept.SetTimer(time.Second, nil) }},
		{"StopTimer", func() { kept.StopTimer(1) }},
		{"Disk", func() { kept.Disk() }},
		{"Compute", func() { kept.Compute(time.Millisecond) }},
		{"Logf", func() { kept.Logf("x") }},
		{"Disk.ReadFile", func() { keptDisk.ReadFile("f") }},
		{"Disk.WriteFile", func() { keptDisk.WriteFile("f", []byte("x")) }},
		{"Disk.Append", func() { keptDisk.Append("f", []byte("x")) }},
		{"Disk.Remove", func() { keptDisk.Remove("f") }},
		{"Disk.Names", func() { keptDisk.Names() }},
		{"Disk.Sync", func() { keptDisk.Sync() }},
	}
	check := func(t *testing.T, phase string) {
		for _, u := range uses {
			msg, did := panics(u.use)
			if !did {
				t.Errorf("%s: %s on a kept Env did not panic; want a panic", phase, u.name)
			} else if !strings.Contains(msg, "outside its own Handle call") {
				t.Errorf("%s: %s panicked with %q; want the Env misuse message", phase, u.name, msg)
			}
		}
	}
	t.Run("between calls of the same incarnation", func(t *testing.T) { check(t, "alive") })
	w.Crash(a)
	t.Run("after a crash", func(t *testing.T) { check(t, "crashed") })
	if s := w.Stats(); s.Sent != 0 || s.DiskWrites != 0 {
		t.Errorf("misused Env had effects: Sent %d DiskWrites %d; want 0 0", s.Sent, s.DiskWrites)
	}

	t.Run("from another incarnation's handler", func(t *testing.T) {
		w := sim.New(1, sim.Config{})
		var old node.Env
		j := newJournal(w)
		a := j.add("a", hooks{start: func(env node.Env, restarted bool) {
			if !restarted {
				old = env
				return
			}
			old.Send(env.Self(), num{1}) // the old incarnation's Env
		}})
		runFor(t, w, time.Millisecond)
		w.Restart(a)
		err := w.RunFor(time.Second)
		if err == nil {
			t.Fatalf("RunFor = nil; want a panic failure")
		}
		f := asFailure(t, err)
		if f.Kind != sim.Panic || f.Node != "a" || !strings.Contains(f.Msg, "outside its own Handle call") {
			t.Errorf("failure %+v; want Kind panic, Node a, the Env misuse message", f)
		}
		if w.Err() != f {
			t.Errorf("Err() = %v; want the failure RunFor returned", w.Err())
		}
	})
}

// TestStaleEnvSelf: Self is the one Env method that does not check its
// caller; on a crashed incarnation's Env it must still answer that node's ID
// (it used to answer n0), or panic like the others.
func TestStaleEnvSelf(t *testing.T) {
	var kept node.Env
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	j.add("a", hooks{})
	b := j.add("b", hooks{start: func(env node.Env, _ bool) { kept = env }})
	runFor(t, w, time.Millisecond)
	if got := kept.Self(); got != b {
		t.Errorf("Self() of a live node's kept Env = %v; want %v", got, b)
	}
	w.Crash(b)
	msg, did := panics(func() { _ = kept.Self() })
	if !did && kept.Self() != b {
		t.Errorf("Self() of a crashed incarnation's Env = %v (panic %q); want a panic or %v", kept.Self(), msg, b)
	}
}

// TestCrashMidPrefix: a crash inside a handler keeps a prefix, in program
// order, of the handler's effects; across seeds every prefix length occurs;
// the node is down afterwards.
func TestCrashMidPrefix(t *testing.T) {
	const n, seeds = 5, 200
	seen := make([]int, n+1)
	for seed := uint64(1); seed <= seeds; seed++ {
		w := sim.New(seed, sim.Config{})
		j := newJournal(w)
		sink := j.add("sink", hooks{})
		src := j.add("src", hooks{
			start: func(env node.Env, _ bool) { env.SetTimer(10*time.Millisecond, nil) },
			timeout: func(env node.Env, _ node.TimerID, _ any) {
				for i := 1; i <= n; i++ {
					env.Send(sink, num{i})
				}
			},
		})
		w.At(5*time.Millisecond, "arm", func() { w.CrashMid(src) })
		runFor(t, w, time.Second)

		got := sortedCopy(j.nums(sink))
		k := len(got)
		if !slices.Equal(got, seq(k)) {
			t.Fatalf("seed %d: sink received %v; want 1..k for some k", seed, got)
		}
		seen[k]++
		if w.Up(src) || w.Handler(src) != nil {
			t.Errorf("seed %d: after the cut handler Up %v Handler %v; want down", seed, w.Up(src), w.Handler(src))
		}
		st := w.NodeStats(src)
		if st.Crashes != 1 || st.Sent != int64(k) || st.Events != 2 {
			t.Errorf("seed %d: src Crashes %d Sent %d Events %d; want 1 %d 2", seed, st.Crashes, st.Sent, st.Events, k)
		}
	}
	for k, c := range seen {
		if c == 0 {
			t.Errorf("no seed out of %d kept exactly %d of %d sends (counts %v); want every prefix length", seeds, k, n, seen)
		}
	}
}

// TestCrashMidArming: CrashMid on a down node does nothing; an armed crash
// hits the next handler call, whatever its event, and only that one.
func TestCrashMidArming(t *testing.T) {
	w := sim.New(1, sim.Config{Link: fixedLink(time.Millisecond)})
	j := newJournal(w)
	a := j.add("a", hooks{})
	b := j.add("b", hooks{start: func(env node.Env, _ bool) { env.Send(a, num{1}) }})
	runFor(t, w, 0) // both starts; the message arrives at 1ms
	w.CrashMid(a)
	if !w.Up(a) {
		t.Fatalf("CrashMid crashed at once; want the crash armed for the next call")
	}
	runFor(t, w, 10*time.Millisecond)
	if w.Up(a) || len(j.filter(a, "recv")) != 1 {
		t.Errorf("after the next event: Up %v, recvs %d; want down after handling the message", w.Up(a), len(j.filter(a, "recv")))
	}
	w.CrashMid(a) // down: no effect
	w.Restart(a)
	runFor(t, w, 10*time.Millisecond)
	if !w.Up(a) {
		t.Errorf("a restarted after a CrashMid while down is not up; want the stale arming forgotten")
	}
	_ = b
}

// TestPauseResume: events for a paused node queue up, timers that fire
// during the pause included, and are handled in arrival order at resume.
func TestPauseResume(t *testing.T) {
	ms := time.Millisecond
	for seed := uint64(1); seed <= 10; seed++ {
		w := sim.New(seed, sim.Config{Link: fixedLink(ms)})
		j := newJournal(w)
		var dst node.ID = 0
		dst = j.add("dst", hooks{start: func(env node.Env, _ bool) {
			env.SetTimer(45*ms, "t45") // fires during the pause, between arrivals 4 and 5
		}})
		j.add("src", ticker(dst, 10*ms, 8)) // arrivals at 11, 21, ..., 81 ms
		w.At(5*ms, "pause", func() { w.Pause(dst) })
		w.At(200*ms, "resume", func() { w.Resume(dst) })
		runFor(t, w, 100*ms)
		if !w.Paused(dst) || !w.Up(dst) {
			t.Errorf("seed %d: at 100ms Paused %v Up %v; want true true", seed, w.Paused(dst), w.Up(dst))
		}
		if n := len(j.filter(dst, "recv")) + len(j.filter(dst, "timeout")); n != 0 {
			t.Errorf("seed %d: a paused node handled %d events; want 0", seed, n)
		}
		runFor(t, w, time.Second)
		var got []string
		for _, o := range j.filter(dst, "") {
			if o.Kind == "start" {
				continue
			}
			if o.Virtual != 200*ms {
				t.Errorf("seed %d: held %s handled at %v; want 200ms", seed, o.Kind, o.Virtual)
			}
			if o.Kind == "recv" {
				got = append(got, "m"+string(rune('0'+o.Msg.(num).N)))
			} else {
				got = append(got, o.Msg.(string))
			}
		}
		want := []string{"m1", "m2", "m3", "m4", "t45", "m5", "m6", "m7", "m8"}
		if !slices.Equal(got, want) {
			t.Errorf("seed %d: after resume handled %v; want %v", seed, got, want)
		}
		if w.Paused(dst) {
			t.Errorf("seed %d: Paused after Resume; want false", seed)
		}
	}
}

// TestPauseEdgeCases: pausing a down node does nothing, resuming a running
// node does nothing, and a restart unpauses.
func TestPauseEdgeCases(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	a := j.add("a", hooks{})
	runFor(t, w, time.Millisecond)
	w.Resume(a)
	if w.Paused(a) {
		t.Errorf("Resume of a running node paused it")
	}
	w.Crash(a)
	w.Pause(a)
	if w.Paused(a) {
		t.Errorf("Pause of a crashed node took effect; want no-op")
	}
	w.Restart(a)
	w.Pause(a)
	w.Restart(a)
	if w.Paused(a) {
		t.Errorf("a restarted node is still paused; want a restart to unpause")
	}
	runFor(t, w, time.Millisecond)
	if starts := j.filter(a, "start"); len(starts) != 2 {
		t.Errorf("%d starts; want 2 (the initial and the last restart)", len(starts))
	}
}

// TestCrashWhilePaused: a crash while paused drops the held events (counted
// at their senders) and no held event reaches the next incarnation.
func TestCrashWhilePaused(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(1, sim.Config{Link: fixedLink(ms)})
	j := newJournal(w)
	dst := j.add("dst", hooks{start: func(env node.Env, restarted bool) {
		if !restarted {
			env.SetTimer(30*ms, "old")
		}
	}})
	src := j.add("src", ticker(dst, 10*ms, 8)) // arrivals 11 ... 81 ms
	w.At(5*ms, "pause", func() { w.Pause(dst) })
	w.At(45*ms, "crash", func() { w.Crash(dst) })     // 4 messages and a timer held
	w.At(60*ms, "restart", func() { w.Restart(dst) }) // 51 lost while down
	w.At(65*ms, "pause again", func() { w.Pause(dst) })
	w.At(66*ms, "resume", func() { w.Resume(dst) }) // nothing held any more
	runFor(t, w, time.Second)
	if got := j.nums(dst); !slices.Equal(got, []int{6, 7, 8}) {
		t.Errorf("dst received %v; want [6 7 8]", got)
	}
	if ev := w.NodeStats(dst).Events; ev != 5 {
		t.Errorf("dst handled %d events; want 5 (two starts, three messages)", ev)
	}
	if st := w.NodeStats(src); st.Events != 9 || st.Sent != 8 {
		t.Errorf("src handled %d events and sent %d; want 9 and 8", st.Events, st.Sent)
	}
	if n := len(j.filter(dst, "timeout")); n != 0 {
		t.Errorf("%d timeouts handled; want 0 (the held timer died with its incarnation)", n)
	}
	if got := w.NodeStats(src).Dropped; got != 5 {
		t.Errorf("src Dropped = %d; want 5 (4 held, 1 arriving while down)", got)
	}
	if w.Paused(dst) {
		t.Errorf("dst paused after restart; want not")
	}
}

// TestDisarm: Disarm calls off a crash armed by CrashMid that has not
// struck yet; it does nothing when none is armed.
func TestDisarm(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		fault    func(w *sim.World, id node.ID)
		wantUp   bool
		wantRecv int
	}{
		{"armed strikes", func(w *sim.World, id node.ID) { w.CrashMid(id) }, false, 1},
		{"disarmed", func(w *sim.World, id node.ID) { w.CrashMid(id); w.Disarm(id) }, true, 3},
		{"disarm without arming", func(w *sim.World, id node.ID) { w.Disarm(id) }, true, 3},
		{"re-armed", func(w *sim.World, id node.ID) { w.CrashMid(id); w.Disarm(id); w.CrashMid(id) }, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{Link: fixedLink(ms)})
			j := newJournal(w)
			dst := j.add("dst", hooks{})
			j.add("src", ticker(dst, 10*ms, 3)) // arrivals 11, 21, 31 ms
			w.At(5*ms, "fault", func() { tc.fault(w, dst) })
			runFor(t, w, time.Second)
			if w.Up(dst) != tc.wantUp || len(j.nums(dst)) != tc.wantRecv {
				t.Errorf("Up %v, %d received; want %v, %d", w.Up(dst), len(j.nums(dst)), tc.wantUp, tc.wantRecv)
			}
		})
	}
}

// discarding counts its Discard calls.
type discarding struct{ discards *int }

func (d discarding) Handle(node.Env, node.Event) {}
func (d discarding) Discard()                    { *d.discards++ }

// wrapped hides a handler behind a wrapper with Unwrap.
type wrapped struct{ h node.Handler }

func (w wrapped) Handle(env node.Env, ev node.Event) { w.h.Handle(env, ev) }
func (w wrapped) Unwrap() node.Handler               { return w.h }

// TestDiscardAtCrashAndClose: a handler that is a node.Discarder, itself or
// under wrappers, hears that it is thrown away at a crash and when the
// World closes; a node that is down is not discarded twice.
func TestDiscardAtCrashAndClose(t *testing.T) {
	var a, b int
	w := sim.New(1, sim.Config{})
	na := w.AddNode("a", func() node.Handler { return discarding{&a} })
	w.AddNode("b", func() node.Handler { return wrapped{discarding{&b}} })
	if err := w.RunFor(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	w.Crash(na)
	if a != 1 || b != 0 {
		t.Fatalf("after a's crash: a discarded %d times, b %d; want 1 and 0", a, b)
	}
	w.Close()
	if a != 1 || b != 1 {
		t.Fatalf("after Close: a discarded %d times, b %d; want 1 and 1", a, b)
	}
}

// TestStartComesFirst: a message that arrives at the very instant a node
// restarts is handled by the new incarnation after its Start, whatever
// the seed's order of the instant's events (it was handed to the new
// handler before its Start at some seeds).
func TestStartComesFirst(t *testing.T) {
	delivered := 0
	for seed := uint64(1); seed <= 60; seed++ {
		w := sim.New(seed, sim.Config{})
		w.Net().SetDefault(sim.LinkConfig{LatencyMin: 10 * time.Millisecond})
		var b node.ID
		w.AddNode("a", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				if _, ok := ev.(*node.Start); ok {
					env.SetTimer(20*time.Millisecond, nil)
				} else if _, ok := ev.(*node.Timeout); ok {
					env.Send(b, "hello") // arrives at 30 ms, when b restarts
				}
			})
		})
		b = w.AddNode("b", func() node.Handler {
			started := false
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				switch ev.(type) {
				case *node.Start:
					started = true
				case *node.Recv:
					if !started {
						t.Errorf("seed %d: a message handled before the incarnation's Start", seed)
					}
					delivered++
				}
			})
		})
		w.At(5*time.Millisecond, "crash b", func() { w.Crash(b) })
		w.AtFirst(30*time.Millisecond, "restart b", func() { w.Restart(b) }) // before the message of that instant
		if err := w.RunFor(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if delivered != 60 {
		t.Errorf("the message reached the restarted node in %d of 60 seeds; want all", delivered)
	}
}
