package pbservicecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
)

// emptyTransfers: a backup that counts as having the state without getting
// it: it installs an empty state in place of the one it was sent.
type emptyTransfers struct{ s node.Handler }

func (h emptyTransfers) Unwrap() node.Handler { return h.s }

func (h emptyTransfers) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if t, ok := r.Msg.(pbservice.Transfer); ok {
			t.State = pbservice.State{}
			ev = &node.Recv{From: r.From, Msg: t}
		}
	}
	h.s.Handle(env, ev)
}

// noForwarding: a primary that answers without forwarding: each Forward it
// would send is dropped and answered at once as if the backup had applied
// it.
type noForwarding struct{ s node.Handler }

func (h noForwarding) Unwrap() node.Handler { return h.s }

type capturing struct {
	node.Env
	forwards []node.Recv
}

func (e *capturing) Send(to node.ID, msg any) {
	if f, ok := msg.(pbservice.Forward); ok {
		e.forwards = append(e.forwards, node.Recv{From: to, Msg: pbservice.ForwardReply{Viewnum: f.Viewnum, ClientID: f.Req.ClientID, Seq: f.Req.Seq, OK: true}})
		return
	}
	e.Env.Send(to, msg)
}

func (h noForwarding) Handle(env node.Env, ev node.Event) {
	ce := &capturing{Env: env}
	h.s.Handle(ce, ev)
	for len(ce.forwards) > 0 {
		r := ce.forwards[0]
		ce.forwards = ce.forwards[1:]
		h.s.Handle(ce, &r)
	}
}

// TestBrokenPrimaryBackupIsCaught runs each broken server on the scenario
// that should catch it and requires the correct servers to pass the seed.
func TestBrokenPrimaryBackupIsCaught(t *testing.T) {
	tests := []struct {
		bug         string
		wrap        func(node.Handler) node.Handler
		scenario    string
		withinSeeds uint64
	}{
		{"a backup that does not get the state before it counts", func(h node.Handler) node.Handler { return emptyTransfers{h} }, "pbservice/fail-put", 10},
		{"a primary that answers without forwarding", func(h node.Handler) node.Handler { return noForwarding{h} }, "pbservice/basic-fail", 10},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			var broken scenarios.Scenario
			for _, s := range pbScenarios(tt.wrap) {
				if s.Name == tt.scenario {
					broken = s
				}
			}
			broken.Name = "broken-" + tt.scenario
			seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
			}
			t.Logf("caught at seed %d: %s: %.300s", seed, out.Failures[0].Kind, out.Failures[0].Msg)
			if n := scenariotest.ShareSeeds(t); n > 0 {
				k := scenariotest.FailingShare(t, broken, n, scenarios.Options{})
				t.Logf("caught at %d of seeds 1-%d", k, n)
			}
			if good, err := scenarios.Run(tt.scenario, seed, scenarios.Options{}); err != nil || !good.Passed {
				t.Fatalf("the correct servers fail seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}
