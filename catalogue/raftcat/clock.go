package raftcat

import (
	"strconv"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// Clock rates. simlab's Raft uses clocks for liveness only: a follower
// that hears nothing for an election timeout (ElectionTimeoutMin, 300 ms
// by default, on its own clock) stands for election, and a leader sends a
// heartbeat every HeartbeatInterval (100 ms) on its clock. Safety never
// depends on them. With a follower's clock running R times as fast as its
// leader's, the leader stays in place while
//
//	HeartbeatInterval·R + latency·rate(follower) < ElectionTimeoutMin
//
// that is R < 3 for the defaults, less a little for latency.
// raft/clock-rates checks the bound from both sides: at the default R = 2
// (the leader 33% slow, its followers 33% fast: the most the swarm
// profiles draw) the first leader keeps its term for 10 s; at R = 4 (the
// leader 50% slow, its followers twice as fast; TestClockRateBound) its
// followers stand for election while it lives, and only the stability
// check fails.

// clockRatioParam is the followers' clock rate over the leader's, in %.
var clockRatioParam = scenarios.Param{Name: "ratio", Default: "200",
	Doc: "the followers' clock rate over the leader's, in %: 200 runs the leader's clock 33% slow and theirs 33% fast", Min: 100, Max: 400}

func init() {
	scenarios.Register(scenarios.Scenario{
		Name:   "raft/clock-rates",
		Params: []scenarios.Param{clockRatioParam},
		Summary: "5 servers; once a leader is elected its clock runs 33% slow and every follower's 33% fast " +
			"(ratio=200, the most the swarm draws) while a client commits a command every second for 10 s " +
			"(heartbeats alone between them): the leader keeps its term throughout, every command commits " +
			"(simlab's Raft only: the bound, ratio < 300, comes from its default timers)",
		FixedFaults: "it sets the clocks itself, slow at the leader and fast at the followers, where the bound bites",
		Run:         runClockRates,
	})
}

// clockRates returns the drifts (rate − 1) of the leader's clock and of
// its followers' for a ratio of R: symmetric about real time, the leader's
// never below half speed (the slowest a clock fault allows).
func clockRates(ratio float64) (leader, follower float64) {
	a := min((ratio-1)/(ratio+1), 0.5)
	return -a, ratio*(1-a) - 1
}

// runClockRates slows the leader's clock and speeds its followers' up,
// then requires the leader to keep its term while commands commit.
func runClockRates(c *scenarios.Case) {
	rc := newRaftCluster(c, Simlab, sim.Config{}, 5, nil)
	ratio := float64(c.IntParam("ratio")) / 100
	leaderDrift, followerDrift := clockRates(ratio)
	leader := rc.checkOneLeader()
	term := rc.checkTerms()
	for _, id := range rc.ids {
		d := followerDrift
		if id == leader {
			d = leaderDrift
		}
		rc.Fault("clock", rc.w.Name(id), "0s", strconv.FormatFloat(d, 'f', 3, 64))
	}
	r := c.Rand("clients")
	set := rc.w.Now()
	// The term is looked at after each command and once more after the
	// last second of heartbeats: a term never goes back, so a change
	// anywhere in the 10 s shows at the next look.
	for rc.w.Now() < set+10*time.Second {
		rc.one(num(int(r.Uint64N(1<<31))), len(rc.ids), true)
		if termMoved(c, rc, term, set, ratio, leaderDrift, followerDrift) {
			return
		}
		rc.Run(time.Second) // heartbeats alone hold the followers between commands
	}
	termMoved(c, rc, term, set, ratio, leaderDrift, followerDrift)
}

// termMoved fails the run and reports true if a server has left term, the
// first leader's, since the clocks were set at set.
func termMoved(c *scenarios.Case, rc *raftCluster, term int, set time.Duration, ratio, leaderDrift, followerDrift float64) bool {
	for _, id := range rc.ids {
		if h, ok := rc.host(id); ok {
			if t, _ := h.srv.State(); t != term {
				c.Failf("with the followers' clocks %.2f times as fast as the leader's (drift %+.3f and %+.3f), %s moved from term %d to %d "+
					"%v after the clocks were set: a follower's election timeout ran out between heartbeats "+
					"(the bound: HeartbeatInterval·ratio + latency < ElectionTimeoutMin)",
					ratio, followerDrift, leaderDrift, rc.w.Name(id), term, t, rc.w.Now()-set)
				return true
			}
		}
	}
	return false
}
