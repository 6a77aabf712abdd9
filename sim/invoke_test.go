package sim_test

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func TestInvoke(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(1, sim.Config{Link: fixedLink(ms)})
	j := newJournal(w)
	a := j.add("a", hooks{})
	b := j.add("b", hooks{})
	runFor(t, w, ms)

	var self node.ID = node.None
	ok := w.Invoke(a, "send two", func(env node.Env) {
		self = env.Self()
		env.Send(b, num{1})
		env.Disk().WriteFile("f", []byte("x"))
		env.Send(b, num{2})
	})
	if !ok || self != a {
		t.Fatalf("Invoke = %v with Self %v; want true, %v", ok, self, a)
	}
	runFor(t, w, 10*ms)
	if got := j.nums(b); len(got) != 2 || got[0]+got[1] != 3 {
		t.Errorf("b received %v; want the two invoked sends", got)
	}

	tests := []struct {
		name  string
		setup func()
	}{
		{"down", func() { w.Crash(a) }},
		{"paused", func() { w.Restart(a); runFor(t, w, ms); w.Pause(a) }},
	}
	for _, tt := range tests {
		tt.setup()
		if w.Invoke(a, tt.name, func(node.Env) { t.Errorf("%s: fn ran", tt.name) }) {
			t.Errorf("Invoke on a %s node = true; want false", tt.name)
		}
	}
	w.Resume(a)

	if !w.Invoke(b, "boom", func(node.Env) { panic("inside invoke") }) {
		t.Fatal("Invoke on a running node = false")
	}
	if f := w.Failure(); f == nil || f.Kind != sim.Panic || f.Node != "b" {
		t.Errorf("Err() = %v; want a panic failure at b", f)
	}
	if w.Invoke(a, "after failure", func(node.Env) {}) {
		t.Error("Invoke after the run failed = true; want false")
	}
}

func TestInvokeRespectsCPUAndCrashMid(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(3, sim.Config{Link: fixedLink(ms), CPU: sim.CPUConfig{Enabled: true, PerEvent: 5 * ms}})
	j := newJournal(w)
	a := j.add("a", hooks{})
	b := j.add("b", hooks{})
	runFor(t, w, 20*ms)
	start := w.Now()
	w.Invoke(a, "send", func(env node.Env) { env.Send(b, num{7}) })
	if w.Invoke(a, "while busy", func(node.Env) {}) {
		t.Error("Invoke while the CPU is busy = true; want false")
	}
	runFor(t, w, 20*ms)
	if got := j.filter(b, "recv"); len(got) != 1 || got[0].Virtual != start+6*ms {
		t.Errorf("b received %v; want once, at %v (5ms CPU + 1ms latency)", got, start+6*ms)
	}
	w.CrashMid(a)
	w.Invoke(a, "cut", func(env node.Env) { env.Send(b, num{8}) })
	runFor(t, w, 20*ms)
	if w.Up(a) {
		t.Error("a armed with CrashMid is still up after an Invoke")
	}
}
