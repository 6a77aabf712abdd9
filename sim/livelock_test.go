package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

type (
	appendReq  struct{ N int }
	appendNack struct{ N int }
)

// nagger resends at once whatever its peer rejects: a livelock in which
// virtual time advances by one microsecond per message.
func nagger(peer node.ID) node.Factory {
	return func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev := ev.(type) {
			case *node.Start:
				if env.Self() == 0 {
					env.Send(peer, appendReq{})
				}
			case *node.Recv:
				switch m := ev.Msg.(type) {
				case appendReq:
					env.Send(ev.From, appendNack(m))
				case appendNack:
					env.Send(ev.From, appendReq{m.N + 1})
				}
			}
		})
	}
}

// TestLivelockIsReportedWithWhatItWasDoing: a run that races through
// events while virtual time crawls fails as a livelock long before the
// event budget, naming the flows that make it up; the same exchange at a
// human pace does not trip the detector.
func TestLivelockIsReportedWithWhatItWasDoing(t *testing.T) {
	fast := sim.LinkConfig{LatencyMin: time.Microsecond}
	w := sim.New(1, sim.Config{Link: &fast})
	w.AddNode("leader", nagger(1))
	w.AddNode("follower", nagger(0))
	err := w.RunFor(time.Hour)
	f := w.Failure()
	if err == nil || f == nil || f.Kind != sim.Livelock {
		t.Fatalf("err %v; want a livelock failure", err)
	}
	for _, want := range []string{"livelock suspected", "leader → follower sim_test.appendReq ×", "follower → leader sim_test.appendNack ×", "/s"} {
		if !strings.Contains(f.Msg, want) {
			t.Errorf("message %q lacks %q", f.Msg, want)
		}
	}
	if w.Events() > 200_000 {
		t.Errorf("caught after %d events; want within the window and the sample (120,000)", w.Events())
	}

	slow := sim.LinkConfig{LatencyMin: time.Millisecond}
	w = sim.New(1, sim.Config{Link: &slow})
	w.AddNode("leader", nagger(1))
	w.AddNode("follower", nagger(0))
	if err := w.RunFor(300 * time.Second); err != nil {
		t.Fatalf("%d events at 1 ms a message: %v; want no livelock", w.Events(), err)
	}
	off := sim.LinkConfig{LatencyMin: time.Microsecond}
	w = sim.New(1, sim.Config{Link: &off, MaxEventRate: -1, MaxEvents: 300_000})
	w.AddNode("leader", nagger(1))
	w.AddNode("follower", nagger(0))
	w.RunFor(time.Hour)
	if f := w.Failure(); f == nil || f.Kind != sim.Budget {
		t.Fatalf("with the detector off: %v; want the event budget to stop the run", f)
	}
}
