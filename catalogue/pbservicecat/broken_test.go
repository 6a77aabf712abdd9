package pbservicecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// Broken servers and a broken view service, built from outside the
// library as a test of yours would: each wraps what a correct node
// receives, or the Env it sends through.

// emptyTransfers: a backup that counts as having the state without getting
// it: it installs an empty state in place of the one it was sent.
type emptyTransfers struct{ s node.Handler }

// Unwrap is the server inside, for node.Unwrap.
func (h emptyTransfers) Unwrap() node.Handler { return h.s }

// Handle empties a transfer before the server installs it.
func (h emptyTransfers) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if t, ok := r.Msg.(pbservice.Transfer); ok {
			t.State = pbservice.State{Version: t.State.Version} // the count, without the data
			ev = &node.Recv{From: r.From, Msg: t}
		}
	}
	h.s.Handle(env, ev)
}

// noForwarding: a primary that answers without forwarding: each Forward it
// would send is dropped and answered at once as if the backup had applied
// it.
type noForwarding struct{ s node.Handler }

// Unwrap is the server inside, for node.Unwrap.
func (h noForwarding) Unwrap() node.Handler { return h.s }

// capturing is an Env that keeps forwards instead of sending them, each
// as the acknowledgment it takes for it.
type capturing struct {
	node.Env
	forwards []node.Recv
}

// Send keeps a forward and sends anything else.
func (e *capturing) Send(to node.ID, msg any) {
	if f, ok := msg.(pbservice.Forward); ok {
		e.forwards = append(e.forwards, node.Recv{From: to, Msg: pbservice.ForwardReply{Viewnum: f.Viewnum, ClientID: f.Req.ClientID, Seq: f.Req.Seq, OK: true}})
		return
	}
	e.Env.Send(to, msg)
}

// Handle hands the server the acknowledgments of its own forwards.
func (h noForwarding) Handle(env node.Env, ev node.Event) {
	ce := &capturing{Env: env}
	h.s.Handle(ce, ev)
	for len(ce.forwards) > 0 {
		r := ce.forwards[0]
		ce.forwards = ce.forwards[1:]
		h.s.Handle(ce, &r)
	}
}

// localReads: a server that answers reads from its own data whenever the
// view it knows names it primary, without forwarding them: the lab's
// shortcut that serves a stale read once a new view it has not heard of
// replaced it.
type localReads struct{ s *pbservice.Server }

// Unwrap is the server inside, for node.Unwrap.
func (h localReads) Unwrap() node.Handler { return h.s }

// Handle answers a read itself while the server takes itself for primary.
func (h localReads) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if q, ok := r.Msg.(pbservice.Request); ok && q.Kind == pbservice.Get && h.s.View().Primary == env.Self() {
			env.Send(r.From, pbservice.Reply{ClientID: q.ClientID, Seq: q.Seq, Value: h.s.Value(q.Key)})
			return
		}
	}
	h.s.Handle(env, ev)
}

// blindBackup: a backup that applies every forward it is sent, without
// looking up what it applied before: each forward reaches it under a
// client ID of its own, which its acknowledgment carries back as the
// client's, and with the version that follows its state. A forward sent again (its acknowledgment was lost or slow) or
// duplicated by the network is applied again.
type blindBackup struct {
	s      *pbservice.Server
	client map[uint64]uint64 // by the ID given: the client's own
}

// Unwrap is the server inside, for node.Unwrap.
func (h *blindBackup) Unwrap() node.Handler { return h.s }

// Handle gives each forward a client ID never seen before and the version
// that makes the backup apply it, whatever it applied before.
func (h *blindBackup) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if f, ok := r.Msg.(pbservice.Forward); ok {
			id := 1<<63 | uint64(len(h.client)+1) // a clerk's IDs are below 1<<63
			h.client[id] = f.Req.ClientID
			f.Req.ClientID, f.Version = id, h.s.Version()+1
			ev = &node.Recv{From: r.From, Msg: f}
		}
	}
	h.s.Handle(clientsBack{env, h}, ev)
}

// clientsBack gives acknowledgments back the client IDs blindBackup took.
type clientsBack struct {
	node.Env
	h *blindBackup
}

// Send gives an acknowledgment its client ID back.
func (e clientsBack) Send(to node.ID, msg any) {
	if m, ok := msg.(pbservice.ForwardReply); ok {
		if c, ok := e.h.client[m.ClientID]; ok {
			m.ClientID = c
			msg = m
		}
	}
	e.Env.Send(to, msg)
}

// unappliedAppends: a backup that acknowledges a forwarded Append of its
// own view's primary without applying it.
type unappliedAppends struct{ s *pbservice.Server }

// Unwrap is the server inside, for node.Unwrap.
func (h unappliedAppends) Unwrap() node.Handler { return h.s }

// Handle acknowledges its primary's forwarded Appends itself.
func (h unappliedAppends) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		v := h.s.View()
		if f, ok := r.Msg.(pbservice.Forward); ok && f.Req.Kind == pbservice.Append && f.Viewnum == v.Viewnum && v.Backup == env.Self() && v.Primary == r.From {
			env.Send(r.From, pbservice.ForwardReply{Viewnum: f.Viewnum, ClientID: f.Req.ClientID, Seq: f.Req.Seq, OK: true})
			return
		}
	}
	h.s.Handle(env, ev)
}

// forgetsRestarts: a view service that does not notice a restart: every
// ping carries the incarnation the server first pinged with.
type forgetsRestarts struct {
	s     *viewservice.Server
	first map[node.ID]uint64
}

// Unwrap is the service inside, for node.Unwrap.
func (h *forgetsRestarts) Unwrap() node.Handler { return h.s }

// Handle gives a ping the incarnation its server first pinged with.
func (h *forgetsRestarts) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if p, ok := r.Msg.(viewservice.Ping); ok {
			if _, seen := h.first[r.From]; !seen {
				h.first[r.From] = p.Incarnation
			}
			p.Incarnation = h.first[r.From]
			ev = &node.Recv{From: r.From, Msg: p}
		}
	}
	h.s.Handle(env, ev)
}

// servers breaks every server with wrap.
func servers(wrap func(s *pbservice.Server) node.Handler) breakage {
	return breakage{server: func(h node.Handler) node.Handler { return wrap(h.(*pbservice.Server)) }}
}

// TestBrokenPrimaryBackupIsCaught runs each broken variant on the
// scenario that should catch it, within a stated number of seeds, and
// requires the correct servers to pass the seed that caught it.
func TestBrokenPrimaryBackupIsCaught(t *testing.T) {
	tests := []struct {
		bug         string
		broken      breakage
		scenario    string
		withinSeeds uint64
		want        string // in the failure
	}{
		{"a backup that does not get the state before it counts",
			breakage{server: func(h node.Handler) node.Handler { return emptyTransfers{h} }},
			"pbservice/fail-put", 5, "a backup must hold its primary's state"},
		{"a primary that answers without forwarding",
			breakage{server: func(h node.Handler) node.Handler { return noForwarding{h} }},
			"pbservice/basic-fail", 5, "before its backup s"},
		{"a primary that answers reads alone",
			servers(func(s *pbservice.Server) node.Handler { return localReads{s} }),
			"pbservice/swarm", 5, "a primary answers only what its backup applied, reads included"},
		{"a backup that applies a forward again",
			servers(func(s *pbservice.Server) node.Handler { return &blindBackup{s: s, client: map[uint64]uint64{}} }),
			"pbservice/at-most-once", 5, "was applied twice"},
		{"a backup that acknowledges appends it did not apply",
			servers(func(s *pbservice.Server) node.Handler { return unappliedAppends{s} }),
			"pbservice/at-most-once", 5, "a backup must hold its primary's state"},
		{"a view service that does not notice restarts",
			breakage{vs: func(h node.Handler) node.Handler {
				return &forgetsRestarts{s: h.(*viewservice.Server), first: map[node.ID]uint64{}}
			}},
			"pbservice/swarm", 20, "a restarted server lost the state and is dead to its views"},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			broken := scenariotest.Broken(t, pbScenarios(tt.broken), tt.scenario)
			scenariotest.CaughtAs(t, broken, tt.scenario, tt.withinSeeds, tt.want)
		})
	}
}
