package sim_test

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

type pingMsg struct{ N int }
type pongMsg struct{ N int }

// TestTypeFaultHitsItsTypeOnly: a type fault duplicates and delays the
// messages of its type, named with or without the package, and leaves
// every other type to the link.
func TestTypeFaultHitsItsTypeOnly(t *testing.T) {
	for _, name := range []string{"sim_test.pongMsg", "pongMsg"} {
		w := sim.New(1, sim.Config{Link: &sim.LinkConfig{LatencyMin: time.Millisecond}})
		got := map[string][]time.Duration{}
		var b node.ID
		w.AddNode("a", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				if _, ok := ev.(*node.Start); ok {
					for i := range 100 {
						env.Send(b, pingMsg{i})
						env.Send(b, pongMsg{i})
					}
				}
			})
		})
		b = w.AddNode("b", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				if r, ok := ev.(*node.Recv); ok {
					switch r.Msg.(type) {
					case pingMsg:
						got["ping"] = append(got["ping"], env.Now())
					case pongMsg:
						got["pong"] = append(got["pong"], env.Now())
					}
				}
			})
		})
		w.Net().SetTypeFault(name, sim.TypeFault{Dup: 0.5, TailProb: 1, TailMean: 100 * time.Millisecond})
		if err := w.RunFor(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		if n := len(got["ping"]); n != 100 {
			t.Errorf("%s: %d pings delivered, want 100 (no type fault on them)", name, n)
		}
		for _, at := range got["ping"] {
			if at != time.Millisecond {
				t.Errorf("%s: a ping arrived at %v, want the link's 1 ms", name, at)
				break
			}
		}
		if n := len(got["pong"]); n < 120 || n > 180 {
			t.Errorf("%s: %d pongs delivered, want about 150 (half duplicated)", name, n)
		}
		late := 0
		for _, at := range got["pong"] {
			if at > 2*time.Millisecond {
				late++
			}
		}
		if late < len(got["pong"])*9/10 {
			t.Errorf("%s: %d of %d pongs delayed, want nearly all", name, late, len(got["pong"]))
		}
		w.Net().ClearTypeFaults()
		if w.Net().TypeFault(name) != (sim.TypeFault{}) {
			t.Errorf("%s: the type fault survives ClearTypeFaults", name)
		}
	}
}
