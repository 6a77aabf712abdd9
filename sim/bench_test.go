package sim_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// ping is the small message of BenchmarkPingPong.
type ping struct{ Seq int64 }

// pinger sends ping to its peer at start and answers every ping with the
// next one, forever.
type pinger struct {
	peer  node.ID
	first bool
}

func (p *pinger) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		if p.first {
			env.Send(p.peer, ping{Seq: 1})
		}
	case *node.Recv:
		m := ev.Msg.(ping)
		env.Send(ev.From, ping{Seq: m.Seq + 1})
	}
}

// BenchmarkPingPong measures the engine's raw event rate: two nodes passing
// one small message back and forth, one delivery per event.
func BenchmarkPingPong(b *testing.B) { benchPingPong(b, sim.Config{}) }

// BenchmarkPingPongStrict is the same with every message round-tripped
// through encoding/gob: the price of proving isolation.
func BenchmarkPingPongStrict(b *testing.B) { benchPingPong(b, sim.Config{Strict: true}) }

func benchPingPong(b *testing.B, cfg sim.Config) {
	w := sim.New(1, cfg)
	a := w.AddNode("a", func() node.Handler { return &pinger{peer: 1, first: true} })
	w.AddNode("b", func() node.Handler { return &pinger{peer: a} })
	for i := 0; i < 100; i++ { // warm up: both starts, first deliveries
		w.Step()
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	delivered := w.Stats().Delivered
	start := w.Events()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !w.Step() {
			b.Fatalf("run stopped: %v", w.Err())
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	events := float64(w.Events() - start)
	msgs := float64(w.Stats().Delivered - delivered)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/msgs, "allocs/msg")
}

// scatterer sends a ping to a random node at start and on every ping it
// receives, and keeps a heartbeat timer, as a server of a cluster would.
type scatterer struct{ n int }

type scatterBeat struct{}

func (g *scatterer) Handle(env node.Env, ev node.Event) {
	switch ev.(type) {
	case *node.Start:
		env.Send(node.ID(env.Rand().IntN(g.n)), ping{})
		env.SetTimer(100*time.Millisecond, scatterBeat{})
	case *node.Recv:
		env.Send(node.ID(env.Rand().IntN(g.n)), ping{})
	case *node.Timeout:
		env.SetTimer(100*time.Millisecond, scatterBeat{})
	}
}

// BenchmarkNodes measures how the engine's cost per event grows with the
// number of nodes: n nodes, each with a message in flight to a random node
// and a heartbeat timer, so the queue holds about 2n events.
func BenchmarkNodes(b *testing.B) {
	for _, n := range []int{3, 30, 300, 3000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			w := sim.New(1, sim.Config{})
			for i := 0; i < n; i++ {
				w.AddNode(fmt.Sprintf("n%d", i), func() node.Handler { return &scatterer{n: n} })
			}
			for i := 0; i < 10*n; i++ {
				w.Step()
			}
			start := w.Events()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !w.Step() {
					b.Fatalf("run stopped: %v", w.Err())
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(w.Events()-start)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
