package guest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// echoLine and echoReply are the native twin of the netnode fixture's
// protocol: a line sent, journaled on the server's disk and synced, and
// answered.
type echoLine struct{ N int }
type echoReply struct{ N, Index int }

// echoServer journals each line it receives, syncs the journal, answers.
type echoServer struct{ entries int }

func (s *echoServer) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if l, ok := r.Msg.(echoLine); ok {
			env.Disk().Append("journal", fmt.Appendf(nil, "line %d\n", l.N))
			env.Disk().SyncFile("journal")
			s.entries++
			env.Send(r.From, echoReply{N: l.N, Index: s.entries})
		}
	}
}

// echoClient sends n lines, one at a time.
type echoClient struct {
	server node.ID
	n, got int
}

func (c *echoClient) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		env.Send(c.server, echoLine{N: 1})
	case *node.Recv:
		if r, ok := ev.Msg.(echoReply); ok && r.N == c.got+1 {
			c.got++
			if c.got < c.n {
				env.Send(c.server, echoLine{N: c.got + 1})
			}
		}
	}
}

// BenchmarkNodeEvents compares a guest node with a native one doing the
// same work: a client sends 200 lines to a server that journals each on
// its disk, synced, before it answers. The guests are the netnode fixture
// (a Go program with goroutines, TCP-like streams and files, one
// instance per node); the natives are two event handlers exchanging
// messages. It reports events/s (the World's handler calls per second of
// wall time) and lines/s; the guests' events include their connection's
// acknowledgements and wake-ups.
func BenchmarkNodeEvents(b *testing.B) {
	const lines = 200
	b.Run("guest", func(b *testing.B) {
		p := netnode(b)
		var events int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			nw := newNetWorld(b, p, uint64(i+1), lines, sim.DefaultLink)
			if err := nw.w.RunFor(time.Minute); err != nil {
				b.Fatal(err)
			}
			if nw.count("c1", "reply: ") != lines {
				b.Fatalf("seed %d: %d replies", i+1, nw.count("c1", "reply: "))
			}
			events += nw.w.Events()
			nw.w.Close()
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
	})
	b.Run("native", func(b *testing.B) {
		var events int64
		for i := 0; i < b.N; i++ {
			w := sim.New(uint64(i+1), sim.Config{})
			s := w.AddNode("s1", func() node.Handler { return &echoServer{} })
			c := &echoClient{server: s, n: lines}
			w.AddNode("c1", func() node.Handler { return c })
			if err := w.RunFor(time.Minute); err != nil {
				b.Fatal(err)
			}
			if c.got != lines {
				b.Fatalf("seed %d: %d replies", i+1, c.got)
			}
			events += w.Events()
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}
