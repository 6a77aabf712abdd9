package raftcat

import (
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// The raft/... catalogue. Every scenario runs the consensus invariant
// checker (checker.Consensus: election safety, log matching, leader
// completeness, committed entries agree, monotonic commit) after every
// event, and every service checks state machine safety and contiguous
// application as it applies. The bounds are in virtual time.

func electionScenarios() []generic {
	return []generic{
		{
			name:    "initial-election",
			fixed:   "it checks that the term stays put while nothing fails",
			summary: "3 servers elect a leader within 5 s, and the term stays the same for the next 2 s while nothing fails",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				leader := rc.checkOneLeader()
				if rc.w.Now() > 5*time.Second {
					c.Failf("the first leader took %v", rc.w.Now())
				}
				term1 := rc.checkTerms()
				if term1 < 1 {
					c.Failf("term %d after an election", term1)
				}
				rc.Run(2 * time.Second)
				if term2 := rc.checkTerms(); term2 != term1 {
					c.Failf("the term moved from %d to %d with no failures", term1, term2)
				}
				if l := rc.checkOneLeader(); l != leader {
					c.Failf("leadership moved from %s to %s with no failures", rc.w.Name(leader), rc.w.Name(l))
				}
			},
		},
		{
			name:    "reelection",
			fixed:   "it checks that no leader is elected while its own cut-offs leave no majority",
			summary: "3 servers: a new leader after the leader is cut off, none without a majority, one again as servers rejoin (each within 5 s)",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				leader1 := rc.toLeader("disconnect", rc.checkOneLeader())
				rc.checkOneLeader()
				rc.connect(leader1)
				leader2 := rc.toLeader("disconnect", rc.checkOneLeader())
				other := rc.ids[(int(leader2)+1)%3]
				rc.disconnect(other)
				rc.Run(2 * time.Second)
				rc.checkNoLeader()
				rc.connect(other)
				rc.checkOneLeader()
				rc.connect(leader2)
				rc.checkOneLeader()
			},
		},
		{
			name:    "many-elections",
			summary: "7 servers, 10 rounds of cutting off 3 at random: a leader within 5 s each round, never two leaders in a term",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 7, nil)
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
		},
		{
			name:  "prevote",
			fixed: "it checks what its own cut-offs must not do to the term and the leadership",
			summary: "5 servers with PreVote and CheckQuorum: a follower cut off for 5 s rejoins without raising the term or " +
				"moving the leadership, and a leader cut off steps down within 2 election timeouts",
			run: func(c *scenarios.Case, impl Impl) { runPreVote(c, impl, true) },
		},
	}
}

// runPreVote cuts a follower off for 5 s and lets it rejoin: with PreVote
// and CheckQuorum on, neither the term nor the leadership may move. Then it
// cuts the leader off, which must step down.
func runPreVote(c *scenarios.Case, impl Impl, on bool) {
	rc := newRaftCluster(c, impl, sim.Config{}, 5, func(cfg *Config) { cfg.PreVote, cfg.CheckQuorum = on, on })
	leader := rc.checkOneLeader()
	rc.one(num(1), 5, true)
	term := rc.checkTerms()
	follower := rc.ids[(int(leader)+1)%5]
	rc.disconnect(follower)
	rc.Run(5 * time.Second)
	rc.connect(follower)
	rc.Run(2 * time.Second)
	rc.one(num(2), 5, true)
	if t := rc.checkTerms(); t != term {
		c.Failf("a rejoining follower raised the term from %d to %d", term, t)
	}
	if l := rc.checkOneLeader(); l != leader {
		c.Failf("a rejoining follower moved the leadership from %s to %s", rc.w.Name(leader), rc.w.Name(l))
	}
	leader = rc.toLeader("disconnect", rc.checkOneLeader())
	err := rc.w.RunUntil(func() bool {
		_, isLeader := rc.hosts[leader].srv.State()
		return !isLeader
	}, 2*rc.hosts[leader].srv.ElectionTimeoutMax(), "the cut-off leader stepping down")
	c.Check(err)
	rc.connect(leader)
	rc.one(num(3), 5, true)
}
