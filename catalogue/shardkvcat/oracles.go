package shardkvcat

import (
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// oracles are the sharded store's checks of every event, fed by the
// watches of every group server and client (watch.go): one owner per
// shard per configuration (checker.ShardOwner, owner.go) and at most one
// application of every client write (checker.ApplyOnce, applyonce.go).
// Each keeps its first failure, which its observer reports after the
// event that caused it.
type oracles struct {
	owner    *checker.ShardOwner
	once     *checker.ApplyOnce
	ownerErr error
	onceErr  error
	// asked is, for each request a group server received, the shard of
	// its key.
	asked map[askedKey]int
	// sent is every answer that served a client, as its server sent it.
	sent map[sentKey]sentAnswer
}

// startOracles makes the oracles and registers their observers; the
// controller's configuration 0 gives every shard to no group.
func (kc *skvCluster) startOracles() {
	kc.owner = checker.NewShardOwner()
	kc.once = checker.NewApplyOnce(kc.owner.Owner)
	kc.asked = map[askedKey]int{}
	kc.sent = map[sentKey]sentAnswer{}
	kc.ownerFailed(kc.owner.Configuration(0, shardctrler.Initial(kc.nShards).Shards))
	kc.w.Observe("one owner per shard per configuration", func() error { return kc.ownerErr })
	kc.w.Observe("at most one application per write", func() error { return kc.onceErr })
}

// ownerFailed keeps the ownership oracle's first failure.
func (kc *skvCluster) ownerFailed(err error) {
	if kc.ownerErr == nil {
		kc.ownerErr = err
	}
}

// onceFailed keeps the at-most-once oracle's first failure.
func (kc *skvCluster) onceFailed(err error) {
	if kc.onceErr == nil {
		kc.onceErr = err
	}
}
