package raftcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func init() {
	scenarios.Register(scenarios.Scenario{
		Name:    "raft/basic-agree",
		Summary: "3 servers agree on 3 commands, at indices 1, 2, 3, each applied by all within 10 s",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			for index := 1; index <= 3; index++ {
				if n, _ := rc.nCommitted(index); n > 0 {
					c.Failf("index %d applied before Start", index)
				}
				if got := rc.one(index*100, 3, false); got != index {
					c.Failf("command %d went to index %d, want %d", index*100, got, index)
				}
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/rpc-bytes",
		Summary: "3 servers agree on 10 commands of 5 kB; each crosses to each follower about once: " +
			"bytes sent ≤ 10 × 5 kB × 2 + 50 kB",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			rc.one(99, 3, false)
			before := rc.w.Stats().BytesSent
			r := c.Rand("cmds")
			const iters, size = 10, 5000
			for i := 0; i < iters; i++ {
				b := make([]byte, size)
				for k := range b {
					b[k] = byte('a' + r.IntN(26))
				}
				if got := rc.one(string(b), 3, false); got != i+2 {
					c.Failf("command %d went to index %d, want %d", i, got, i+2)
				}
			}
			if sent, limit := rc.w.Stats().BytesSent-before, int64(iters*size*2+50000); sent > limit {
				c.Failf("%d bytes sent for %d commands of %d bytes, want ≤ %d", sent, iters, size, limit)
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/fail-agree",
		Summary: "3 servers: with one follower cut off, the other two agree on 4 commands; " +
			"it catches up when it rejoins",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			rc.one(101, 3, false)
			leader := rc.checkOneLeader()
			follower := rc.ids[(int(leader)+1)%3]
			rc.disconnect(follower)
			for cmd := 102; cmd <= 105; cmd++ {
				rc.one(cmd, 2, false)
			}
			rc.run(time.Second)
			rc.connect(follower)
			rc.one(106, 3, true)
			rc.run(time.Second)
			rc.one(107, 3, true)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/fail-no-agree",
		Summary: "5 servers: with 3 followers cut off a command at index 2 is not applied for 2 s; " +
			"after they rejoin a leader takes new commands and all 5 agree",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 5, nil)
			rc.one(10, 5, false)
			leader := rc.checkOneLeader()
			for k := 1; k <= 3; k++ {
				rc.disconnect(rc.ids[(int(leader)+k)%5])
			}
			index, _, ok := rc.start(leader, 20)
			if !ok || index != 2 {
				c.Must(fmt.Errorf("Start on the leader gave index %d ok %v, want 2 true", index, ok))
			}
			rc.run(2 * time.Second)
			if n, _ := rc.nCommitted(index); n > 0 {
				c.Failf("%d servers applied index %d without a majority", n, index)
			}
			rc.connect(rc.ids...)
			leader2 := rc.checkOneLeader()
			index2, _, ok := rc.start(leader2, 30)
			if !ok || index2 < 2 || index2 > 3 {
				c.Failf("after rejoining Start gave index %d ok %v, want 2 or 3", index2, ok)
			}
			rc.one(1000, 5, true)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "raft/concurrent-starts",
		Summary: "3 servers: 5 commands started in the same instant are all applied by every server, in some order",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			for attempt := 0; attempt < 5; attempt++ {
				leader := rc.checkOneLeader()
				first, term, ok := rc.start(leader, 1)
				if !ok {
					continue
				}
				indices := []int{}
				for i := 0; i < 5; i++ {
					index, t, ok := rc.start(leader, 100+i)
					if ok && t == term {
						indices = append(indices, index)
					}
				}
				got := map[any]bool{}
				changed := false
				for _, index := range append(indices, first) {
					cmd := rc.wait(index, 3, term)
					if cmd == nil {
						changed = true
						break
					}
					got[cmd] = true
				}
				if changed {
					continue
				}
				for i := 0; i < 5; i++ {
					if !got[100+i] {
						c.Failf("command %d was started but never applied", 100+i)
					}
				}
				return
			}
			c.Failf("the term changed too often to test concurrent starts")
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/rejoin",
		Summary: "3 servers: a cut-off leader accepts 3 commands that never commit, rejoins under a new leader, " +
			"and its uncommitted entries are replaced",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			rc.one(101, 3, true)
			leader1 := rc.checkOneLeader()
			rc.disconnect(leader1)
			for _, cmd := range []int{102, 103, 104} {
				rc.start(leader1, cmd)
			}
			leader2 := rc.checkOneLeader()
			rc.one(103, 2, true)
			rc.disconnect(leader2)
			rc.connect(leader1)
			rc.one(104, 2, true)
			rc.connect(leader2)
			rc.one(105, 3, true)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/backup",
		Summary: "5 servers, 3 rounds of 50 commands that cannot commit on partitioned leaders: a follower catches up " +
			"over 50+ conflicting entries quickly (all agree within 10 s of the last rejoin)",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 5, nil)
			r := c.Rand("cmds")
			cmd := func() int { return int(r.Uint64N(1 << 31)) }
			rc.one(cmd(), 5, true)
			leader1 := rc.checkOneLeader()
			at := func(k int) node.ID { return rc.ids[(int(leader1)+k)%5] }
			rc.disconnect(at(2), at(3), at(4))
			for i := 0; i < 50; i++ {
				rc.start(leader1, cmd())
			}
			rc.run(500 * time.Millisecond)
			rc.disconnect(at(0), at(1))
			rc.connect(at(2), at(3), at(4))
			for i := 0; i < 50; i++ {
				rc.one(cmd(), 3, true)
			}
			leader2 := rc.checkOneLeader()
			other := at(2)
			if leader2 == other {
				other = at(3)
			}
			rc.disconnect(other)
			for i := 0; i < 50; i++ {
				rc.start(leader2, cmd())
			}
			rc.run(500 * time.Millisecond)
			rc.disconnect(rc.ids...)
			rc.connect(at(0), at(1), other)
			for i := 0; i < 50; i++ {
				rc.one(cmd(), 3, true)
			}
			rc.connect(rc.ids...)
			start := rc.w.Now()
			rc.one(cmd(), 5, true)
			if d := rc.w.Now() - start; d > 10*time.Second {
				c.Failf("the last command took %v to reach all 5", d)
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/unreliable-agree",
		Summary: "5 servers on a network losing 10% and reordering messages: 50 rounds of 4 started commands " +
			"and one agreed, then all 5 agree",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{Link: &unreliableLink}, 5, nil)
			for iter := 1; iter < 50; iter++ {
				for j := 0; j < 4; j++ {
					for _, id := range rc.ids {
						if _, _, ok := rc.start(id, 100*iter+j); ok {
							break
						}
					}
				}
				rc.one(iter, 1, true)
			}
			rc.w.Net().SetDefault(sim.DefaultLink)
			rc.one(100, 5, true)
		},
	})
}

// unreliableLink is the classic lab's unreliable network: a tenth of the
// messages lost, delays up to about 27 ms.
var unreliableLink = sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 26 * time.Millisecond, Loss: 0.1}
