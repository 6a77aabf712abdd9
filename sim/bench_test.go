package sim_test

import (
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
func BenchmarkPingPong(b *testing.B) {
	w := sim.New(1, sim.Config{})
	a := w.AddNode("a", func() node.Handler { return &pinger{peer: 1, first: true} })
	w.AddNode("b", func() node.Handler { return &pinger{peer: a} })
	for i := 0; i < 100; i++ { // warm up: both starts, first deliveries
		w.Step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := w.Events()
	for i := 0; i < b.N; i++ {
		if !w.Step() {
			b.Fatalf("run stopped: %v", w.Err())
		}
	}
	b.StopTimer()
	events := float64(w.Events() - start)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(w.Stats().Delivered)/float64(w.Events()), "deliveries/event")
	_ = time.Second
}
