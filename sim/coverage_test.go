package sim_test

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

var (
	markTick = node.NewMark("simtest/tick", "a timer fired")
	markRecv = node.NewMark("simtest/recv", "a message arrived")
)

// coverageWorld: a ticks every 10 ms and sends b a message each time; b
// marks each arrival. At 95 ms b is partitioned from c (a cut link that
// does not stop a's messages); at 195 ms c crashes.
func coverageWorld(t *testing.T, on bool) *sim.World {
	t.Helper()
	w := sim.New(3, sim.Config{Coverage: on})
	j := newJournal(w)
	b := node.ID(1)
	j.add("a", hooks{
		start: func(env node.Env, _ bool) { env.SetTimer(10*time.Millisecond, nil) },
		timeout: func(env node.Env, _ node.TimerID, _ any) {
			env.Mark(markTick)
			env.Send(b, num{})
			env.SetTimer(10*time.Millisecond, nil)
		},
	})
	j.add("b", hooks{recv: func(env node.Env, _ node.ID, _ any) { env.Mark(markRecv) }})
	c := j.add("c", hooks{})
	w.At(95*time.Millisecond, "cut b-c", func() { w.Net().Cut(b, c) })
	w.At(195*time.Millisecond, "crash c", func() { w.Crash(c) })
	runFor(t, w, 305*time.Millisecond)
	return w
}

func TestCoverageCountsMarksWithTheActiveFaults(t *testing.T) {
	w := coverageWorld(t, true)
	got := map[string]sim.MarkHits{}
	for _, h := range w.Coverage() {
		got[h.Name] = h
	}
	tick := got["simtest/tick"]
	if tick.Hits != 30 {
		t.Errorf("tick: %d hits; want 30 (one per 10 ms over 305 ms)", tick.Hits)
	}
	// Ticks at 10..90 ms are quiet, 100..300 under the cut, 200..300 with c down.
	if tick.Quiet != 9 || tick.ByFault[sim.FaultPartition] != 21 || tick.ByFault[sim.FaultDown] != 11 {
		t.Errorf("tick: %v; want quiet 9, partition 21, down 11", tick)
	}
	if recv := got["simtest/recv"]; recv.Hits < 29 || recv.Quiet+recv.ByFault[sim.FaultPartition] != recv.Hits {
		t.Errorf("recv: %v; want about 30 hits, each quiet or under the cut", recv)
	}
	if len(got) != 2 {
		t.Errorf("coverage %v; want only the two marks reached", w.Coverage())
	}
}

func TestCoverageDoesNotChangeTheRun(t *testing.T) {
	on, off := coverageWorld(t, true), coverageWorld(t, false)
	if on.Fingerprint() != off.Fingerprint() {
		t.Errorf("fingerprint %x with coverage, %x without; want one run", on.Fingerprint(), off.Fingerprint())
	}
	if off.Coverage() != nil {
		t.Errorf("coverage off reports %v; want nil", off.Coverage())
	}
}

func TestMarkRegistry(t *testing.T) {
	m, ok := node.LookupMark("simtest/tick")
	if !ok || m != markTick || m.Info().Doc != "a timer fired" || m.Info().System() != "simtest" {
		t.Errorf("LookupMark: %v %v %+v", m, ok, m.Info())
	}
	if node.MarkWithID(markRecv.ID()) != markRecv {
		t.Error("MarkWithID does not give the mark back")
	}
	for _, bad := range []string{"simtest/tick", "noslash", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewMark(%q) did not panic", bad)
				}
			}()
			node.NewMark(bad, "")
		}()
	}
}

// BenchmarkMarkOff is what a mark costs a handler with coverage off.
func BenchmarkMarkOff(b *testing.B) { benchmarkMark(b, false) }

// BenchmarkMarkOn is what it costs with coverage on.
func BenchmarkMarkOn(b *testing.B) { benchmarkMark(b, true) }

func benchmarkMark(b *testing.B, on bool) {
	w := sim.New(1, sim.Config{Coverage: on})
	n := b.N
	w.AddNode("a", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if _, ok := ev.(*node.Start); ok {
				for i := 0; i < n; i++ {
					env.Mark(markTick)
				}
			}
		})
	})
	b.ResetTimer()
	w.RunFor(time.Millisecond)
}
