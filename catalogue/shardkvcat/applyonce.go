package shardkvcat

import (
	"fmt"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// The at-most-once oracle's feed (checker.ApplyOnce). Every append a
// client issues is named with its value, unique to the request
// (skvClient.issue); every value a read returns to a client is checked,
// and so is every shard handed over between groups, values and duplicate
// table, as it reaches the new owner (before the new owner, or a broken
// variant's wrapper, takes it). The servers show nothing else of their
// shards' state: a copy as the new owner installs it, or as a server
// restores it from a snapshot, is seen only when the shard is handed on
// again or read.

// shardReceived checks a shard handed over to group server self.
func (kc *skvCluster) shardReceived(self, from node.ID, msg any) {
	m, ok := msg.(shardkv.PullReply)
	if !ok || !m.OK {
		return
	}
	c := checker.ShardCopy{Shard: m.Shard, Config: m.ConfigNum,
		Where:  fmt.Sprintf("handed over by %s to %s for configuration %d at %v", kc.w.Name(from), kc.w.Name(self), m.ConfigNum, kc.w.Now()),
		Values: make(map[string]string, len(m.Data.Keys)), Dedup: make(map[uint64]uint64, len(m.Data.Clients))}
	for i, k := range m.Data.Keys {
		c.Values[k] = m.Data.Values[i]
	}
	for i, id := range m.Data.Clients {
		c.Dedup[id] = m.Data.Records[i].Seq
	}
	kc.onceFailed(kc.once.Copy(c))
}

// clientNamed names, in the oracle's failures, the id under which client
// self's writes go into the duplicate tables: the one its answers carry.
func (kc *skvCluster) clientNamed(self node.ID, msg any) {
	if r, _, ok := serving(msg); ok {
		kc.once.ClientName(r.ClientID, kc.w.Name(self))
	}
}

// appending names a client's append before it is sent.
func (kc *skvCluster) appending(cl *skvClient, op shardkv.Op) {
	if op.Kind == shardkv.Append {
		kc.once.Appended(op.Key, op.Value, fmt.Sprintf("%s's request %d", cl.Name(), cl.ops))
	}
}

// read checks the value a read returned to a client.
func (kc *skvCluster) read(cl *skvClient, op shardkv.Op, value string) {
	if op.Kind == shardkv.Get {
		kc.onceFailed(kc.once.Value(op.Key, value, fmt.Sprintf("read by %s at %v", cl.Name(), kc.w.Now())))
	}
}
