package raftcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/systems/raft"
)

// The raft/... catalogue. Every scenario runs the consensus invariant
// checker (checker.Consensus: election safety, log matching, leader
// completeness, committed entries agree, monotonic commit) after every
// event, and every service checks state machine safety and contiguous
// application as it applies. The bounds are in virtual time.

func init() {
	scenarios.Register(scenarios.Scenario{
		Name:    "raft/initial-election",
		Summary: "3 servers elect a leader within 5 s, and the term stays the same for the next 2 s while nothing fails",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			leader := rc.checkOneLeader()
			if rc.w.Now() > 5*time.Second {
				c.Failf("the first leader took %v", rc.w.Now())
			}
			term1 := rc.checkTerms()
			if term1 < 1 {
				c.Failf("term %d after an election", term1)
			}
			rc.run(2 * time.Second)
			if term2 := rc.checkTerms(); term2 != term1 {
				c.Failf("the term moved from %d to %d with no failures", term1, term2)
			}
			if l := rc.checkOneLeader(); l != leader {
				c.Failf("leadership moved from %s to %s with no failures", rc.w.Name(leader), rc.w.Name(l))
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "raft/reelection",
		Summary: "3 servers: a new leader after the leader is cut off, none without a majority, one again as servers rejoin (each within 5 s)",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			leader1 := rc.checkOneLeader()
			rc.disconnect(leader1)
			rc.checkOneLeader()
			rc.connect(leader1)
			leader2 := rc.checkOneLeader()
			other := rc.ids[(int(leader2)+1)%3]
			rc.disconnect(leader2, other)
			rc.run(2 * time.Second)
			rc.checkNoLeader()
			rc.connect(other)
			rc.checkOneLeader()
			rc.connect(leader2)
			rc.checkOneLeader()
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "raft/many-elections",
		Summary: "7 servers, 10 rounds of cutting off 3 at random: a leader within 5 s each round, never two leaders in a term",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 7, nil)
			rc.checkOneLeader()
			r := c.Rand("rounds")
			for round := 0; round < 10; round++ {
				perm := r.Perm(7)
				for _, k := range perm[:3] {
					rc.disconnect(rc.ids[k])
				}
				rc.checkOneLeader()
				rc.connect(rc.ids...)
			}
			rc.checkOneLeader()
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/message-count",
		Summary: "3 servers, counting requests only: electing a leader takes ≤ 30, committing 10 commands ≤ 42, " +
			"an idle second ≤ 60",
		Run: func(c *scenarios.Case) {
			rc := newRaftCluster(c, sim.Config{}, 3, nil)
			rc.countRequests = true
			leader := rc.checkOneLeader()
			if n := rc.requests; n > 30 || n < 1 {
				c.Failf("electing a leader took %d requests, want 1 to 30", n)
			}
			r := c.Rand("cmds")
			for attempt := 0; ; attempt++ {
				if attempt == 5 {
					c.Must(fmt.Errorf("the term kept changing while counting"))
				}
				if attempt > 0 {
					rc.run(3 * time.Second)
					leader = rc.checkOneLeader()
				}
				before := rc.requests
				const iters = 10
				start, term, ok := rc.start(leader, 1)
				if !ok {
					continue
				}
				var cmds []int
				for i := 1; i <= iters+1; i++ {
					x := int(r.Uint64N(1 << 31))
					cmds = append(cmds, x)
					index, term1, ok := rc.start(leader, x)
					if !ok || term1 != term || index != start+i {
						c.Must(fmt.Errorf("Start(%d) gave index %d term %d ok %v; want %d, %d, true", x, index, term1, ok, start+i, term))
					}
				}
				changed := false
				for i := 1; i <= iters; i++ {
					if got := rc.wait(start+i, 3, term); got != cmds[i-1] {
						changed = true
						break
					}
				}
				if t, _ := rc.hosts[leader].rf.State(); changed || t != term {
					continue
				}
				if n := rc.requests - before; n > (iters+1+3)*3 {
					c.Failf("committing %d commands took %d requests, want ≤ %d", iters, n, (iters+1+3)*3)
				}
				before = rc.requests
				rc.run(time.Second)
				if n := rc.requests - before; n > 3*20 {
					c.Failf("an idle second took %d requests, want ≤ 60", n)
				}
				return
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name: "raft/prevote",
		Summary: "5 servers with PreVote and CheckQuorum: a follower cut off for 5 s rejoins without raising the term or " +
			"moving the leadership, and a leader cut off steps down within 2 election timeouts",
		Run: func(c *scenarios.Case) { runPreVote(c, true) },
	})
}

// runPreVote cuts a follower off for 5 s and lets it rejoin: with PreVote
// and CheckQuorum on, neither the term nor the leadership may move. Then it
// cuts the leader off, which must step down.
func runPreVote(c *scenarios.Case, on bool) {
	rc := newRaftCluster(c, sim.Config{}, 5, func(cfg *raft.Config) { cfg.PreVote, cfg.CheckQuorum = on, on })
	leader := rc.checkOneLeader()
	rc.one(1, 5, true)
	term := rc.checkTerms()
	follower := rc.ids[(int(leader)+1)%5]
	rc.disconnect(follower)
	rc.run(5 * time.Second)
	rc.connect(follower)
	rc.run(2 * time.Second)
	rc.one(2, 5, true)
	if t := rc.checkTerms(); t != term {
		c.Failf("a rejoining follower raised the term from %d to %d", term, t)
	}
	if l := rc.checkOneLeader(); l != leader {
		c.Failf("a rejoining follower moved the leadership from %s to %s", rc.w.Name(leader), rc.w.Name(l))
	}
	leader = rc.checkOneLeader()
	rc.disconnect(leader)
	err := rc.w.RunUntil(func() bool {
		_, isLeader := rc.hosts[leader].rf.State()
		return !isLeader
	}, 2*rc.hosts[leader].rf.ElectionTimeoutMax(), "the cut-off leader stepping down")
	c.Check(err)
	rc.connect(leader)
	rc.one(3, 5, true)
}
