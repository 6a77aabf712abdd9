package raftcat

import (
	"bytes"
	"strings"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func init() {
	scenarios.Register(scenarios.Scenario{
		Name: "raft/damaged-disk",
		Summary: "3 servers: a command committed on the leader and one follower while the third is cut off; that " +
			"follower's synced state is damaged (its meta file or its log: a flipped byte, a zeroed or truncated file " +
			"or a lost one, drawn from the seed) while it is down: it must refuse to start, naming the file, and stay down; the leader crashes and " +
			"the cut-off server returns (alone it cannot elect itself), the leader restarts, and the command survives " +
			"with the two (simlab's Raft only: how it tells a torn tail from damage is its own)",
		Run:         func(c *scenarios.Case) { runDamagedDisk(c, Simlab) },
		FixedFaults: "it aims the damage at the one follower whose lost vote and entries would let a stale server lead",
	})
}

// runDamagedDisk is raft/damaged-disk over impl. A server that started
// over its damaged state as if nothing happened would come back with its
// vote and the committed entry forgotten, and could elect the stale server:
// the consensus checks then see the committed entry replaced.
func runDamagedDisk(c *scenarios.Case, impl Impl) {
	rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
	rc.one(num(1), 3, true)
	leader := rc.checkOneLeader()
	stale := rc.ids[(int(leader)+1)%3]
	damaged := rc.ids[(int(leader)+2)%3]
	rc.disconnect(stale)
	x := rc.one(num(2), 2, true)
	rc.Run(200 * time.Millisecond) // idle: everything the servers wrote is synced
	rc.crash(damaged)
	// The damage is aimed at the meta file or the log: damage to the
	// sync ledger alone loses nothing (the log's records still check), so
	// Raft rightly starts over it.
	c.DamageOne(rc.w, damaged, func(f string) bool { return f == "raft.meta" || strings.HasPrefix(f, "raft.log.") })
	rc.restart(damaged)
	rc.crash(leader)
	rc.connect(stale)
	// The stale server alone must not lead; with a forgetful damaged
	// server it could, and commit over index x.
	rc.Run(2 * time.Second)
	if l := rc.leaderNow(); l != node.None {
		rc.start(l, num(3))
		rc.Run(time.Second)
	}
	rc.restart(leader)
	rc.one(num(4), 2, true)
	if n, got := rc.nCommitted(x); n < 2 || !bytes.Equal(got, num(2)) {
		c.Failf("the command committed at index %d before the damage is %q on %d servers; want %q on the two undamaged ones", x, got, n, num(2))
	}
	c.CheckRefused(rc.w, damaged)
}
