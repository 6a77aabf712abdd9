package viewservicecat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// eagerAcks wraps the view service so that any ping from the primary
// counts as its acknowledgement of the current view: a view service that
// does not wait for the primary to know the view before moving on.
type eagerAcks struct{ s *viewservice.Server }

func (h eagerAcks) Unwrap() node.Handler { return h.s }

func (h eagerAcks) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if p, ok := r.Msg.(viewservice.Ping); ok && p.Viewnum > 0 && r.From == h.s.View().Primary {
			ev = &node.Recv{From: r.From, Msg: viewservice.Ping{Viewnum: h.s.View().Viewnum, Incarnation: p.Incarnation}}
		}
	}
	h.s.Handle(env, ev)
}

// TestAViewServiceThatDoesNotWaitIsCaught: viewservice/waits-for-ack
// catches the eager view service, which the correct one passes.
func TestAViewServiceThatDoesNotWaitIsCaught(t *testing.T) {
	inner := viewservice.NewServer()
	var broken scenarios.Scenario
	for _, s := range vsScenarios(func() node.Handler { return eagerAcks{inner().(*viewservice.Server)} }) {
		if s.Name == "viewservice/waits-for-ack" {
			broken = s
		}
	}
	broken.Name = "broken-viewservice/waits-for-ack"
	out, err := scenarios.RunScenario(broken, 1, scenarios.Options{TraceTail: -1})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || !strings.Contains(out.Failures[0].Msg, "has not acknowledged") {
		t.Fatalf("the eager view service: passed=%v %v; want caught moving on before the primary's acknowledgement", out.Passed, out.Failures)
	}
	t.Logf("caught: %s", out.Failures[0].Msg)
	if good, err := scenarios.Run("viewservice/waits-for-ack", 1, scenarios.Options{}); err != nil || !good.Passed {
		t.Fatalf("the correct view service fails too: %v %v", err, good.Failures)
	}
}
