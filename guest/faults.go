package guest

import (
	"cmp"
	"slices"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Faults of a guest node's connections, as schedule operations (in simrun's
// list of operations once this package is linked in):
//
//	reset NODE   every connection of the node is reset: its program's
//	             sockets fail with ECONNRESET and each peer gets a RST
//	abort NODE   the node drops every connection without a word: its
//	             program's sockets fail, and each peer's end stays open
//	             (half-open) until it sends and is answered with a reset,
//	             or its own timeout or deadline passes
//
// A node that is not a guest, or is down, paused or busy, is left alone
// (the run's log says so).
func init() {
	for _, op := range []struct {
		name, doc string
		tell      bool
	}{
		{"reset", "reset every stream connection of a guest node: its sockets fail with ECONNRESET and each peer gets a reset", true},
		{"abort", "drop every stream connection of a guest node without telling the peers, whose ends stay open (half-open) until they send or time out", false},
	} {
		name, tell := op.name, op.tell
		faults.Register(faults.Op{
			Name: op.name, Args: []faults.Arg{faults.NodeArg("NODE")}, Doc: op.doc,
			Bind: func(b *faults.Binder, a faults.Action) func() {
				w := b.W
				return b.On(b.Node(a.Args[0]), func(id node.ID) { dropConnections(w, id, a.String(), tell) })
			},
			Swarm: &faults.Swarm{Kind: op.name, On: func(p faults.Profile) bool { return p.Sockets }, Draw: func(d *faults.Draw) {
				d.Add(d.T, name, d.Nodes[d.R.IntN(len(d.Nodes))])
			}},
		})
	}
}

// dropConnections fails every connection of guest node id, inside one of
// its handler calls, and lets the guest see it.
func dropConnections(w *sim.World, id node.ID, what string, tell bool) {
	g, ok := node.Unwrap(w.Handler(id)).(*guestNode)
	if !ok || !w.Up(id) {
		w.Logf("fault %s: %s is not a running guest node; nothing done", what, w.Name(id))
		return
	}
	if !w.Invoke(id, what, func(env node.Env) {
		if g.run == nil || g.run.end != "" {
			return
		}
		g.run.stack.dropAll(env, tell)
		g.step(env)
	}) {
		w.Logf("fault %s: %s is paused or busy; nothing done", what, w.Name(id))
	}
}

// dropAll fails every connection, in a fixed order (the resets are
// messages); with tell, each peer gets a reset.
func (st *netStack) dropAll(env node.Env, tell bool) {
	var open []*sock
	for _, c := range st.conns {
		if c.state != sockFailed {
			open = append(open, c)
		}
	}
	slices.SortFunc(open, func(a, b *sock) int {
		return cmp.Or(cmp.Compare(a.key.peer, b.key.peer), cmp.Compare(a.key.conn, b.key.conn), boolCompare(a.key.dialed, b.key.dialed))
	})
	for _, c := range open {
		if !tell {
			delete(st.conns, c.key) // forgotten: the peer's next segment is answered with a reset
		}
		st.fail(env, c, wasiECONNRESET, tell)
	}
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
