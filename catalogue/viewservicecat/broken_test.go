package viewservicecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// Broken view services, built from outside the library as a test of yours
// would: each wraps what a correct service receives or sends.

// eagerAcks wraps the view service so that any ping from the primary
// counts as its acknowledgement of the current view: a view service that
// does not wait for the primary to know the view before moving on.
type eagerAcks struct{ s *viewservice.Server }

// Unwrap is the service inside, for node.Unwrap.
func (h eagerAcks) Unwrap() node.Handler { return h.s }

// Handle makes a ping from the primary carry the current view number.
func (h eagerAcks) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if p, ok := r.Msg.(viewservice.Ping); ok && p.Viewnum > 0 && r.From == h.s.View().Primary {
			ev = &node.Recv{From: r.From, Msg: viewservice.Ping{Viewnum: h.s.View().Viewnum, Incarnation: p.Incarnation}}
		}
	}
	h.s.Handle(env, ev)
}

// sameNumber is a view service that gives a view a new number only when
// its primary changes: a backup added, replaced or dropped keeps the
// number. It is the service renumbered at its edge: the views it hands out
// carry the number it tells, and the pings that come back are read as
// acknowledging the latest view of the number they carry.
type sameNumber struct {
	s    *viewservice.Server
	told map[uint64]uint64 // by the service's view number: the number it tells
	prev viewservice.View  // the latest view numbered
}

// newSameNumber wraps s, which has told no view yet.
func newSameNumber(s *viewservice.Server) *sameNumber {
	return &sameNumber{s: s, told: map[uint64]uint64{0: 0}, prev: viewservice.Empty()}
}

// Unwrap is the service inside, for node.Unwrap.
func (h *sameNumber) Unwrap() node.Handler { return h.s }

// number gives the service's current view the number it tells.
func (h *sameNumber) number() {
	v := h.s.View()
	if _, ok := h.told[v.Viewnum]; ok {
		return
	}
	n := h.told[h.prev.Viewnum]
	if v.Primary != h.prev.Primary {
		n++
	}
	h.told[v.Viewnum], h.prev = n, v
}

// actual is the latest of the service's views told as n.
func (h *sameNumber) actual(n uint64) uint64 {
	for v := h.s.View().Viewnum; v > 0; v-- {
		if h.told[v] == n {
			return v
		}
	}
	return n
}

// Handle reads a ping as acknowledging the latest view of its number.
func (h *sameNumber) Handle(env node.Env, ev node.Event) {
	h.number()
	if r, ok := ev.(*node.Recv); ok {
		if p, ok := r.Msg.(viewservice.Ping); ok && p.Viewnum > 0 {
			ev = &node.Recv{From: r.From, Msg: viewservice.Ping{Viewnum: h.actual(p.Viewnum), Incarnation: p.Incarnation}}
		}
	}
	h.s.Handle(renumbering{env, h}, ev)
}

// renumbering is the service's Env, telling each view's number as
// sameNumber does.
type renumbering struct {
	node.Env
	h *sameNumber
}

// Send tells the number sameNumber gives the view a reply carries.
func (e renumbering) Send(to node.ID, msg any) {
	e.h.number()
	switch m := msg.(type) {
	case viewservice.PingReply:
		m.View.Viewnum = e.h.told[m.View.Viewnum]
		msg = m
	case viewservice.QueryReply:
		m.View.Viewnum = e.h.told[m.View.Viewnum]
		msg = m
	}
	e.Env.Send(to, msg)
}

// TestBrokenViewServiceIsCaught runs each broken view service on the
// scenario that should catch it, within a stated number of seeds, and
// requires the correct service to pass the seed that caught it.
func TestBrokenViewServiceIsCaught(t *testing.T) {
	inner := viewservice.NewServer()
	tests := []struct {
		bug         string
		server      node.Factory
		scenario    string
		withinSeeds uint64
		want        string // in the failure
	}{
		{"a view service that does not wait for the primary's acknowledgement",
			func() node.Handler { return eagerAcks{inner().(*viewservice.Server)} },
			"viewservice/waits-for-ack", 1, "it must not move on until the primary knows the view it serves in"},
		{"a view service that changes the backup under the same view number",
			func() node.Handler { return newSameNumber(inner().(*viewservice.Server)) },
			"viewservice/dead-backup", 1, "one view number, one primary and one backup"},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			broken := scenariotest.Broken(t, vsScenarios(tt.server), tt.scenario)
			scenariotest.CaughtAs(t, broken, tt.scenario, tt.withinSeeds, tt.want)
		})
	}
}
