package shardkvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// The ownership oracle's feed (checker.ShardOwner). An answer counts when
// it reaches a client: a crash inside the server's handler may drop the
// send, and an answer nobody received served nobody. It is judged by what
// the server was when it sent it: its group, the configuration it had
// adopted at that moment (read inside the handler that sends, where a
// correct server answers right after applying the request, so the
// configuration is the one the request was applied in) and the shard of
// the key the request asked for. The Result's own GID, ConfigNum and Shard
// are the server's word, which a server answering from outside its state
// machine may get wrong; the server's state after the event would not do
// either, since the same handler call may adopt the next configuration
// after answering. Configurations are recorded as the controller's
// answers reach group servers: a group adopts no other.

// askedKey is a request as a group server received it.
type askedKey struct {
	server   node.ID
	clientID uint64
	seq      uint64
}

// sentKey is an answer as a group server sent it.
type sentKey struct {
	from, to node.ID
	reply    rsm.Reply
}

// sentAnswer is what the sender of an answer was when it sent it.
type sentAnswer struct {
	gid, config, shard int
	at                 time.Duration
}

// requestReceived notes the shard of a client request's key.
func (kc *skvCluster) requestReceived(self node.ID, msg any) {
	if req, ok := msg.(rsm.Request); ok {
		if op, ok := req.Op.(shardkv.Op); ok {
			kc.asked[askedKey{self, req.ClientID, req.Seq}] = shardkv.Key2Shard(op.Key, kc.nShards)
		}
	}
}

// configReceived records a configuration the controller gave out.
func (kc *skvCluster) configReceived(msg any) {
	if r, ok := msg.(rsm.Reply); ok && !r.WrongLeader {
		if res, ok := r.Result.(shardctrler.Result); ok && res.Err == "" {
			kc.ownerFailed(kc.owner.Configuration(res.Config.Num, res.Config.Shards))
		}
	}
}

// serving returns the shardkv answer that serves a client in msg, if it
// is one: not a wrong leader's, not ErrWrongGroup.
func serving(msg any) (rsm.Reply, shardkv.Result, bool) {
	r, ok := msg.(rsm.Reply)
	if !ok || r.WrongLeader {
		return r, shardkv.Result{}, false
	}
	res, ok := r.Result.(shardkv.Result)
	return r, res, ok && res.Err == ""
}

// answerSent notes what a group server is as it sends an answer.
func (kc *skvCluster) answerSent(h *groupWatch, self, to node.ID, msg any) {
	r, res, ok := serving(msg)
	if !ok {
		return
	}
	a := sentAnswer{gid: h.gid, config: res.ConfigNum, shard: res.Shard, at: kc.w.Now()}
	if s, ok := h.server(); ok {
		a.config = s.Config().Num
	}
	if shard, ok := kc.asked[askedKey{self, r.ClientID, r.Seq}]; ok {
		a.shard = shard
	}
	kc.sent[sentKey{self, to, r}] = a
}

// answerDelivered checks an answer reaching a client against the
// configuration its sender was in.
func (kc *skvCluster) answerDelivered(self, from node.ID, msg any) {
	r, _, ok := serving(msg)
	if !ok {
		return
	}
	a, ok := kc.sent[sentKey{from, self, r}]
	if !ok {
		return // not a group server's
	}
	kc.ownerFailed(kc.owner.Served(a.gid, a.config, a.shard, fmt.Sprintf("%s's answer to %s, sent at %v in configuration %d, delivered at %v",
		kc.w.Name(from), kc.w.Name(self), a.at, a.config, kc.w.Now())))
}
