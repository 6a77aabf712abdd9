package raftcat

import (
	"bytes"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func persistScenarios() []generic {
	return []generic{
		{
			name: "persist-all",
			summary: "3 servers: crash and restart all, then the leader, then a follower; every committed command " +
				"survives and agreement resumes each time (within 10 s)",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.one(num(11), 3, true)
				for _, id := range rc.ids {
					rc.crash(id)
				}
				for _, id := range rc.ids {
					rc.restart(id)
				}
				rc.one(num(12), 3, true)
				leader1 := rc.toLeader("crash", rc.checkOneLeader())
				rc.restart(leader1)
				rc.one(num(13), 3, true)
				leader2 := rc.toLeader("crash", rc.checkOneLeader())
				i14 := rc.one(num(14), 2, true)
				rc.restart(leader2)
				rc.wait(i14, 3, -1)
				i3 := rc.ids[(int(rc.checkOneLeader())+1)%3]
				rc.crash(i3)
				rc.one(num(15), 2, true)
				rc.restart(i3)
				rc.one(num(16), 3, true)
			},
		},
		{
			name: "persist-staged",
			summary: "5 servers, 5 staged rounds: the leader's followers crash, then the leader and the rest while the " +
				"first two return; every committed command survives",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
				index := 1
				for iter := 0; iter < 5; iter++ {
					rc.one(num(10+index), 5, true)
					index++
					leader1 := rc.checkOneLeader()
					at := func(k int) node.ID { return rc.ids[(int(leader1)+k)%5] }
					rc.crash(at(1))
					rc.crash(at(2))
					rc.one(num(10+index), 3, true)
					index++
					rc.crash(at(0))
					rc.crash(at(3))
					rc.crash(at(4))
					rc.restart(at(1))
					rc.restart(at(2))
					rc.Run(time.Second)
					rc.restart(at(3))
					rc.one(num(10+index), 3, true)
					index++
					rc.restart(at(4))
					rc.restart(at(0))
				}
				rc.one(num(1000), 5, true)
			},
		},
		{
			name: "persist-partitioned",
			summary: "3 servers: a cut-off follower, then the other two crash; the follower and the old leader " +
				"recover the log and agree with it",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.one(num(101), 3, true)
				leader := rc.checkOneLeader()
				at := func(k int) node.ID { return rc.ids[(int(leader)+k)%3] }
				rc.disconnect(at(2))
				rc.one(num(102), 2, true)
				rc.crash(at(0))
				rc.crash(at(1))
				rc.connect(at(2))
				rc.restart(at(0))
				rc.one(num(103), 2, true)
				rc.restart(at(1))
				rc.one(num(104), 3, true)
			},
		},
		{
			name: "figure8",
			summary: "5 servers, the Figure 8 situation: commands started on leaders that are crashed at once, over and " +
				"over, keeping at least 3 up; entries of old terms must never commit by counting; then all agree within 10 s",
			params: []scenarios.Param{{Name: "iters", Default: "300", Doc: "crash rounds", Min: 1, Max: 100000, Shrink: true}},
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
				runFigure8(c, rc, false)
			},
		},
		{
			name: "figure8-unreliable",
			summary: "the Figure 8 situation on a network losing 10%, with long reordering (from round 200, 30% of messages " +
				"held back 200 ms on average, up to 2 s), cutting leaders off instead of crashing them; then all agree within 10 s",
			params: []scenarios.Param{{Name: "iters", Default: "300", Doc: "rounds", Min: 1, Max: 100000, Shrink: true}},
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{Link: &unreliableLink}, 5, nil)
				runFigure8(c, rc, true)
			},
		},
		{
			name: "churn",
			summary: "5 servers, clients starting commands all along, 20 rounds 0.7 s apart of random cut-offs, " +
				"reconnections, restarts and crashes; every command a client saw committed is in the final log",
			run: func(c *scenarios.Case, impl Impl) { runChurn(c, impl, false) },
		},
		{
			name:    "churn-unreliable",
			summary: "raft/churn on a network losing 10% and delaying up to 27 ms",
			run:     func(c *scenarios.Case, impl Impl) { runChurn(c, impl, true) },
		},
	}
}

// runFigure8 repeatedly starts commands on whichever servers lead and then
// crashes (or, unreliable, cuts off) the leader, keeping at least 3 up.
func runFigure8(c *scenarios.Case, rc *raftCluster, unreliable bool) {
	r := c.Rand("figure8")
	rc.one(num(int(r.Uint64N(10000))), 1, true)
	up := len(rc.ids)
	down := map[node.ID]bool{}
	for iter := 0; iter < c.IntParam("iters"); iter++ {
		if unreliable && iter == 200 {
			rc.Fault("reorder", "0.3", "200ms", "2s") // long reordering of every message from now on
		}
		leader := node.None
		for _, id := range rc.ids {
			if _, _, ok := rc.start(id, num(int(r.Uint64N(10000)))); ok && !down[id] {
				leader = id
			}
		}
		if r.IntN(1000) < 100 {
			rc.Run(time.Duration(r.IntN(500)) * time.Millisecond)
		} else {
			rc.Run(time.Duration(r.IntN(13)) * time.Millisecond)
		}
		if leader != node.None && (!unreliable || r.Chance(0.5)) {
			if unreliable {
				rc.disconnect(leader)
			} else {
				rc.crash(leader)
			}
			down[leader] = true
			up--
		}
		if up < 3 {
			for _, k := range r.Perm(len(rc.ids)) {
				id := rc.ids[k]
				if down[id] {
					if unreliable {
						rc.connect(id)
					} else {
						rc.restart(id)
					}
					delete(down, id)
					up++
					break
				}
			}
		}
	}
	for _, id := range rc.ids {
		if down[id] {
			if unreliable {
				rc.connect(id)
			} else {
				rc.restart(id)
			}
		}
	}
	rc.Fault("calm") // a reliable network again
	rc.one(num(int(r.Uint64N(10000))), 5, true)
}

// raftClients plays three clients that start commands on random servers
// and remember the ones they see committed.
type raftClients struct {
	rc      *raftCluster
	r       *node.Rand
	next    int
	pending []startedCmd
	seen    []startedCmd
}

type startedCmd struct {
	index int
	cmd   []byte
}

// round has every client start a command on a random server and check the
// ones it started before.
func (cl *raftClients) round() {
	rc := cl.rc
	for k := 0; k < 3; k++ {
		cl.next++
		cmd := num(1_000_000*(k+1) + cl.next)
		id := rc.ids[cl.r.IntN(len(rc.ids))]
		if index, _, ok := rc.start(id, cmd); ok {
			cl.pending = append(cl.pending, startedCmd{index, cmd})
		}
	}
	kept := cl.pending[:0]
	for _, p := range cl.pending {
		if n, got := rc.nCommitted(p.index); n > 0 {
			if bytes.Equal(got, p.cmd) {
				cl.seen = append(cl.seen, p)
			}
			continue
		}
		kept = append(kept, p)
	}
	cl.pending = kept
}

// checkSeen checks that every command seen committed is in the log, whose
// last index is last.
func (cl *raftClients) checkSeen(c *scenarios.Case, last int) {
	for _, s := range cl.seen {
		if s.index > last {
			c.Failf("command %s was seen committed at index %d, past the last index %d", s.cmd, s.index, last)
			continue
		}
		if got, _ := cl.rc.check.AppliedCommand(s.index); !equalCommand(got, s.cmd) {
			c.Failf("command %s was seen committed at index %d, but the log holds %v there", s.cmd, s.index, got)
		}
	}
}

// requireSeen fails the run if no client saw a command committed while
// the faults went on: checkSeen would have had nothing to check.
func (cl *raftClients) requireSeen(c *scenarios.Case) {
	if len(cl.seen) == 0 {
		c.Failf("no command was ever seen committed while the faults went on: the scenario checked no committed command's survival")
	}
}

// restoreAll ends a fault phase: a reliable network, every server up and
// connected.
func (rc *raftCluster) restoreAll() {
	rc.Fault("calm")
	rc.Run(time.Millisecond) // deliver the Start of the servers calm restarted
}

// runChurn plays clients that start commands on random servers while
// servers are crashed, restarted and cut off at random; at the end every
// command a client saw committed must be in the log.
func runChurn(c *scenarios.Case, impl Impl, unreliable bool) {
	cfg := sim.Config{}
	if unreliable {
		cfg.Link = &unreliableLink
	}
	rc := newRaftCluster(c, impl, cfg, 5, nil)
	r := c.Rand("churn")
	clients := &raftClients{rc: rc, r: c.Rand("clients")}
	// 20 rounds 0.7 s apart, each with three independent chances: cut a
	// server off (20%), bring one back, restarting it if crashed (50%),
	// crash one (20%); clients keep starting commands throughout.
	for round := 0; round < 20; round++ {
		if r.IntN(1000) < 200 {
			rc.disconnect(rc.ids[r.IntN(len(rc.ids))])
		}
		if r.IntN(1000) < 500 {
			id := rc.ids[r.IntN(len(rc.ids))]
			if !rc.w.Up(id) {
				rc.restart(id)
			}
			rc.connect(id)
		}
		if r.IntN(1000) < 200 {
			rc.crash(rc.ids[r.IntN(len(rc.ids))])
		}
		for end := rc.w.Now() + 700*time.Millisecond; rc.w.Now() < end; {
			clients.round()
			rc.Run(r.Duration(time.Millisecond, 40*time.Millisecond))
		}
	}
	rc.restoreAll()
	rc.Run(time.Second)
	last := rc.one(num(int(r.Uint64N(1<<31))), 5, true)
	clients.checkSeen(c, last)
	clients.requireSeen(c)
}

// equalCommand reports whether an applied command (any, from the checker)
// is cmd.
func equalCommand(applied any, cmd []byte) bool {
	b, ok := applied.([]byte)
	return ok && bytes.Equal(b, cmd)
}
