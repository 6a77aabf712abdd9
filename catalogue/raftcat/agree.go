package raftcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func agreeScenarios() []generic {
	return []generic{
		{
			name:    "basic-agree",
			fixed:   "its index checks assume no fault moves the leadership",
			summary: "3 servers agree on 3 commands, at the first 3 indices after the cluster's own entries (1, 2, 3 for simlab's Raft), each applied by all within 10 s",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				for k := 1; k <= 3; k++ {
					index := impl.LeadIn(3) + k
					if n, _ := rc.nCommitted(index); n > 0 {
						c.Failf("index %d applied before Start", index)
					}
					if got := rc.one(num(k*100), 3, false); got != index {
						c.Failf("command %d went to index %d, want %d", k*100, got, index)
					}
				}
			},
		},
		{
			name:     "rpc-bytes",
			fixed:    "its byte bound assumes a network that loses and repeats nothing",
			strategy: "its byte bound assumes no message is held back: a held-back answer makes the leader send its entries again",
			summary: "3 servers agree on 10 commands of 5 kB; each crosses to each follower about once: " +
				"bytes sent ≤ 10 × 5 kB × 2 + 50 kB",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				first := rc.one(num(99), 3, false)
				before := rc.w.Stats().BytesSent
				r := c.Rand("cmds")
				const iters, size = 10, 5000
				for i := 0; i < iters; i++ {
					b := make([]byte, size)
					for k := range b {
						b[k] = byte('a' + r.IntN(26))
					}
					if got := rc.one(b, 3, false); got != first+1+i {
						c.Failf("command %d went to index %d, want %d", i, got, first+1+i)
					}
				}
				if sent, limit := rc.w.Stats().BytesSent-before, int64(iters*size*2+50000); sent > limit {
					c.Failf("%d bytes sent for %d commands of %d bytes, want ≤ %d", sent, iters, size, limit)
				}
			},
		},
		{
			name: "fail-agree",
			summary: "3 servers: with one follower cut off, the other two agree on 4 commands; " +
				"it catches up when it rejoins",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.one(num(101), 3, false)
				leader := rc.checkOneLeader()
				follower := rc.ids[(int(leader)+1)%3]
				rc.disconnect(follower)
				for x := 102; x <= 105; x++ {
					rc.one(num(x), 2, false)
				}
				rc.Run(time.Second)
				rc.connect(follower)
				rc.one(num(106), 3, true)
				rc.Run(time.Second)
				rc.one(num(107), 3, true)
			},
		},
		{
			name:  "fail-no-agree",
			fixed: "it checks that the minority its own cut-offs leave cannot commit",
			summary: "5 servers: with 3 followers cut off a command at the next index is not applied for 2 s; " +
				"after they rejoin a leader takes new commands and all 5 agree",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
				first := rc.one(num(10), 5, false)
				leader := rc.checkOneLeader()
				for k := 1; k <= 3; k++ {
					rc.disconnect(rc.ids[(int(leader)+k)%5])
				}
				index, _, ok := rc.start(leader, num(20))
				if !ok || index != first+1 {
					c.Must(fmt.Errorf("Start on the leader gave index %d ok %v, want %d true", index, ok, first+1))
				}
				rc.Run(2 * time.Second)
				if n, _ := rc.nCommitted(index); n > 0 {
					c.Failf("%d servers applied index %d without a majority", n, index)
				}
				rc.connect(rc.ids...)
				leader2 := rc.checkOneLeader()
				index2, _, ok := rc.start(leader2, num(30))
				// The uncommitted entry at index is kept or replaced; a new
				// leader may add an entry of its own first.
				if most := index + 1 + b2i(impl.ElectionEntry); !ok || index2 < index || index2 > most {
					c.Failf("after rejoining Start gave index %d ok %v, want %d to %d", index2, ok, index, most)
				}
				rc.one(num(1000), 5, true)
			},
		},
		{
			name:    "concurrent-starts",
			summary: "3 servers: 5 commands started in the same instant are all applied by every server, in some order",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				for attempt := 0; attempt < 5; attempt++ {
					leader := rc.checkOneLeader()
					first, term, ok := rc.start(leader, num(1))
					if !ok {
						continue
					}
					indices := []int{}
					for i := 0; i < 5; i++ {
						index, t, ok := rc.start(leader, num(100+i))
						if ok && t == term {
							indices = append(indices, index)
						}
					}
					got := map[string]bool{}
					changed := false
					for _, index := range append(indices, first) {
						cmd := rc.wait(index, 3, term)
						if cmd == nil {
							changed = true
							break
						}
						got[string(cmd)] = true
					}
					if changed {
						continue
					}
					for i := 0; i < 5; i++ {
						if !got[string(num(100+i))] {
							c.Failf("command %d was started but never applied", 100+i)
						}
					}
					return
				}
				c.Failf("the term changed too often to test concurrent starts")
			},
		},
		{
			name: "rejoin",
			summary: "3 servers: a cut-off leader accepts 3 commands that never commit, rejoins under a new leader, " +
				"and its uncommitted entries are replaced",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.one(num(101), 3, true)
				leader1 := rc.toLeader("disconnect", rc.checkOneLeader())
				for _, x := range []int{102, 103, 104} {
					if _, _, ok := rc.start(leader1, num(x)); !ok {
						c.Failf("the leader just cut off refused command %d: it has no uncommitted entries to replace", x)
					}
				}
				leader2 := rc.checkOneLeader()
				rc.one(num(103), 2, true)
				rc.disconnect(leader2)
				rc.connect(leader1)
				rc.one(num(104), 2, true)
				rc.connect(leader2)
				rc.one(num(105), 3, true)
			},
		},
		{
			name: "backup",
			summary: "5 servers, 3 rounds of 50 commands that cannot commit on partitioned leaders: a follower catches up " +
				"over 50+ conflicting entries quickly (all agree within 10 s of the last rejoin)",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
				r := c.Rand("cmds")
				cmd := func() []byte { return num(int(r.Uint64N(1 << 31))) }
				rc.one(cmd(), 5, true)
				leader1 := rc.checkOneLeader()
				at := func(k int) node.ID { return rc.ids[(int(leader1)+k)%5] }
				rc.disconnect(at(2), at(3), at(4))
				for i := 0; i < 50; i++ {
					rc.start(leader1, cmd())
				}
				rc.Run(500 * time.Millisecond)
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
				rc.Run(500 * time.Millisecond)
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
		},
		{
			name: "unreliable-agree",
			summary: "5 servers on a network losing 10% and reordering messages: 49 rounds of 4 started commands " +
				"and one agreed, then all 5 agree",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{Link: &unreliableLink}, 5, nil)
				for iter := 1; iter < 50; iter++ {
					for j := 0; j < 4; j++ {
						for _, id := range rc.ids {
							if _, _, ok := rc.start(id, num(100*iter+j)); ok {
								break
							}
						}
					}
					rc.one(num(iter), 1, true)
				}
				rc.Fault("calm") // a reliable network again
				rc.one(num(100), 5, true)
			},
		},
	}
}

// unreliableLink is the classic lab's unreliable network: a tenth of the
// messages lost, delays up to about 27 ms.
var unreliableLink = sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 26 * time.Millisecond, Loss: 0.1}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
