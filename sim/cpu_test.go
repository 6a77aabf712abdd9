package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestCPUSerializes: with the CPU model on, a node that receives three
// messages at the same instant handles them one after another, PerEvent
// apart; with it off, all at once.
func TestCPUSerializes(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		cpu  sim.CPUConfig
		want []time.Duration // when the receiver handles the three messages
	}{
		// Every start costs 1ms, so the senders' messages leave at 1ms
		// and arrive at 6ms; the receiver is idle again from 1ms.
		{"on", sim.CPUConfig{Enabled: true, PerEvent: ms}, []time.Duration{6 * ms, 7 * ms, 8 * ms}},
		{"on, costly", sim.CPUConfig{Enabled: true, PerEvent: 10 * ms}, []time.Duration{15 * ms, 25 * ms, 35 * ms}},
		{"off", sim.CPUConfig{}, []time.Duration{5 * ms, 5 * ms, 5 * ms}},
		{"off with a cost set", sim.CPUConfig{PerEvent: ms}, []time.Duration{5 * ms, 5 * ms, 5 * ms}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				w := sim.New(seed, sim.Config{Link: fixedLink(5 * ms), CPU: tc.cpu})
				j := newJournal(w)
				dst := j.add("dst", hooks{})
				for range 3 {
					j.add("", hooks{start: func(env node.Env, _ bool) { env.Send(dst, num{int(env.Self())}) }})
				}
				runFor(t, w, time.Second)
				var got []time.Duration
				for _, o := range j.filter(dst, "recv") {
					got = append(got, o.At)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("seed %d: handled at %v; want %v", seed, got, tc.want)
				}
				if ev := w.NodeStats(dst).Events; ev != 4 {
					t.Errorf("seed %d: dst Events = %d; want 4", seed, ev)
				}
			}
		})
	}
}

// TestCompute: Env.Compute adds to the handler's cost and delays its sends
// and timers when the CPU model is on; it is ignored when off.
func TestCompute(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		cpu       sim.CPUConfig
		compute   []time.Duration
		wantRecv  time.Duration // when dst gets the message sent after computing
		wantTimer time.Duration // when the sender's 10ms timer fires
		wantNext  time.Duration // when the worker handles the poker's message, sent at 1ms+PerEvent
	}{
		{"off", sim.CPUConfig{}, []time.Duration{5 * ms}, 1 * ms, 10 * ms, 2 * ms},
		{"on", sim.CPUConfig{Enabled: true, PerEvent: ms}, []time.Duration{5 * ms}, 7 * ms, 16 * ms, 6 * ms},
		{"on, charged twice", sim.CPUConfig{Enabled: true, PerEvent: ms}, []time.Duration{2 * ms, 3 * ms}, 7 * ms, 16 * ms, 6 * ms},
		{"on, zero per event", sim.CPUConfig{Enabled: true}, []time.Duration{5 * ms}, 6 * ms, 15 * ms, 5 * ms},
		{"on, negative ignored", sim.CPUConfig{Enabled: true, PerEvent: ms}, []time.Duration{-5 * ms}, 2 * ms, 11 * ms, 3 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{Link: fixedLink(ms), CPU: tc.cpu})
			j := newJournal(w)
			// Node 2 (the poker) sends to the worker at its start; the
			// worker's start computes, sends to dst and sets a timer.
			worker := j.add("worker", hooks{start: func(env node.Env, _ bool) {
				for _, d := range tc.compute {
					env.Compute(d)
				}
				env.Send(1, num{1})
				env.SetTimer(10*ms, nil)
			}})
			dst := j.add("dst", hooks{})
			j.add("poker", hooks{start: func(env node.Env, _ bool) {
				env.SetTimer(ms-tc.cpu.PerEvent, nil) // fires at 1ms whatever the start cost
			}, timeout: func(env node.Env, _ node.TimerID, _ any) {
				env.Compute(-1) // harmless
				env.Send(worker, num{2})
			}})
			runFor(t, w, time.Second)
			if got := j.filter(dst, "recv"); len(got) != 1 || got[0].At != tc.wantRecv {
				t.Errorf("dst receptions %+v; want one at %v", got, tc.wantRecv)
			}
			if got := j.filter(worker, "timeout"); len(got) != 1 || got[0].At != tc.wantTimer {
				t.Errorf("worker timeouts %+v; want one at %v", got, tc.wantTimer)
			}
			if got := j.filter(worker, "recv"); len(got) != 1 || got[0].At != tc.wantNext {
				t.Errorf("worker receptions %+v; want one at %v", got, tc.wantNext)
			}
		})
	}
}

// TestCPUArrivalOrder: events that arrive while a node is busy wait in
// arrival order, as they do while it is paused: a node handles its events
// one after another, it does not shuffle those that arrived at different
// times.
func TestCPUArrivalOrder(t *testing.T) {
	ms := time.Millisecond
	for seed := uint64(1); seed <= 10; seed++ {
		w := sim.New(seed, sim.Config{Link: fixedLink(ms), CPU: sim.CPUConfig{Enabled: true, PerEvent: 20 * ms}})
		j := newJournal(w)
		dst := j.add("dst", hooks{})
		for i := 1; i <= 5; i++ {
			// Sender i's message leaves at 20ms and arrives at 20ms+i:
			// the first finds dst idle, the rest arrive while it is busy.
			src := j.add("", hooks{start: func(env node.Env, _ bool) { env.Send(dst, num{int(env.Self())}) }})
			w.Net().SetLink(src, dst, sim.LinkConfig{LatencyMin: time.Duration(i) * ms})
		}
		runFor(t, w, time.Second)
		if got := j.nums(dst); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Errorf("seed %d: dst handled %v; want arrival order [1 2 3 4 5]", seed, got)
		}
	}
}

// TestCPUCrashWhileBusy: with the CPU model, a handler's effects happen
// when its CPU time has passed. A node that crashes before then dies in the
// middle of the handler, so, as with CrashMid, only a prefix of its effects
// (in program order: send, write, sync) takes place, and across seeds every
// prefix shows up.
func TestCPUCrashWhileBusy(t *testing.T) {
	ms := time.Millisecond
	seen := map[[2]bool]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		w := sim.New(seed, sim.Config{Link: fixedLink(ms), CPU: sim.CPUConfig{Enabled: true, PerEvent: 10 * ms}})
		j := newJournal(w)
		var after []string
		a := j.add("a", hooks{start: func(env node.Env, restarted bool) {
			d := env.Disk()
			if restarted {
				after = d.Names()
				return
			}
			env.Send(1, num{1})
			d.WriteFile("f", []byte("x"))
			d.Sync()
		}})
		b := j.add("b", hooks{})
		w.At(5*ms, "crash", func() { w.Crash(a) }) // a is busy until 10ms
		w.At(6*ms, "restart", func() { w.Restart(a) })
		runFor(t, w, time.Second)
		sent, wrote := len(j.nums(b)) == 1, len(after) == 1
		if wrote && !sent {
			t.Fatalf("seed %d: the write survived but the send before it did not: not a prefix", seed)
		}
		seen[[2]bool{sent, wrote}]++
	}
	for _, outcome := range [][2]bool{{false, false}, {true, false}, {true, true}} {
		if seen[outcome] == 0 {
			t.Errorf("no seed gave sent=%v durable=%v; outcomes %v", outcome[0], outcome[1], seen)
		}
	}
}
