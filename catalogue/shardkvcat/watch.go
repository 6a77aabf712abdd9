package shardkvcat

import (
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// groupWatch stands between a group server and the simulator: the oracles
// see every message as it reaches the server, before the server (or a
// broken variant's wrapper) does, and every message the server sends.
type groupWatch struct {
	kc    *skvCluster
	gid   int
	inner node.Handler
}

// Unwrap is the server, for node.Unwrap.
func (h *groupWatch) Unwrap() node.Handler { return h.inner }

// Handle implements node.Handler.
func (h *groupWatch) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		h.kc.serverReceived(env.Self(), r.From, r.Msg)
	}
	h.inner.Handle(watchEnv{env, h}, ev)
}

// server is the group server under the watch and its wrappers, if any.
func (h *groupWatch) server() (*shardkv.Server, bool) {
	s, ok := node.Unwrap(h.inner).(*shardkv.Server)
	return s, ok
}

// watchEnv is a group server's Env: every send passes the oracles.
type watchEnv struct {
	node.Env
	h *groupWatch
}

// Send implements node.Env.
func (e watchEnv) Send(to node.ID, msg any) {
	e.h.kc.serverSent(e.h, e.Self(), to, msg)
	e.Env.Send(to, msg)
}

// watchedClerk is a client's clerk: every message that reaches the client
// passes the oracles before the clerk takes it.
type watchedClerk struct {
	*shardkv.Clerk
	kc *skvCluster
}

// Handle is the clerk's, after the oracles.
func (ck *watchedClerk) Handle(env node.Env, ev node.Event) bool {
	if r, ok := ev.(*node.Recv); ok {
		ck.kc.clientReceived(env.Self(), r.From, r.Msg)
	}
	return ck.Clerk.Handle(env, ev)
}

// serverReceived shows the oracles a message reaching group server self:
// a request (its key's shard), a configuration from the controller, a
// shard handed over.
func (kc *skvCluster) serverReceived(self, from node.ID, msg any) {
	kc.requestReceived(self, msg)
	kc.configReceived(msg)
	kc.shardReceived(self, from, msg)
}

// serverSent shows the ownership oracle a message group server self sends.
func (kc *skvCluster) serverSent(h *groupWatch, self, to node.ID, msg any) {
	kc.answerSent(h, self, to, msg)
}

// clientReceived shows the oracles a message reaching a client: an
// answer, and the client's id in the duplicate tables.
func (kc *skvCluster) clientReceived(self, from node.ID, msg any) {
	kc.answerDelivered(self, from, msg)
	kc.clientNamed(self, msg)
}
