package shardctrlercat

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// A client with a workload issues random operations one after another,
// each recorded, until the cluster stops it: joins and leaves of groups
// 1–8, moves, and queries of the latest or a past configuration.

// runLoad sets every client issuing random operations.
func (cc *ctrlCluster) runLoad() {
	for _, cl := range cc.clients {
		cl.load = true
		cc.w.Invoke(cl.ID, "start workload", cl.next)
	}
}

func (cl *ctrlClient) next(env node.Env) {
	if cl.cc.nodes.Stopping || !cl.load || cl.Clerk.Busy() {
		return
	}
	r := env.Rand()
	var op any
	switch k := r.IntN(10); {
	case k < 3:
		op = shardctrler.JoinOp{Groups: groups(1 + r.IntN(8))}
	case k < 5:
		op = shardctrler.LeaveOp{GIDs: []int{1 + r.IntN(8)}}
	case k < 6:
		op = shardctrler.MoveOp{Shard: r.IntN(cl.cc.nShards), GID: 1 + r.IntN(8)}
	case k < 8:
		op = shardctrler.QueryOp{Num: -1}
	default:
		op = shardctrler.QueryOp{Num: r.IntN(20), Exact: r.Chance(0.5)}
	}
	cl.cc.startIn(env, cl, op, func(env node.Env, _ shardctrler.Result) {
		cl.Think(env, r.Duration(0, 20*time.Millisecond))
	})
}
