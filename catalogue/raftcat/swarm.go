package raftcat

import (
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

func swarmScenarios() []generic {
	return []generic{
		{
			name: "swarm",
			summary: "5 servers under a fault profile drawn from the seed (crashes of any number incl. in-handler, torn " +
				"writes, every partition shape, loss, dup, reordering, clogs, pauses, skew; PreVote, CheckQuorum, " +
				"snapshots and a CPU model drawn too) for 8 s of client traffic, then calm: a new command commits on all " +
				"within 10 s and every command a client saw committed is in the log",
			run: func(c *scenarios.Case, impl Impl) {
				r := c.Rand("swarm")
				cfg := sim.Config{}
				if r.Chance(0.3) {
					cfg.CPU = sim.CPUConfig{Enabled: true, PerEvent: r.Duration(10*time.Microsecond, 500*time.Microsecond)}
				}
				preVote, checkQuorum := r.Chance(0.5), r.Chance(0.5)
				rc := newRaftCluster(c, impl, cfg, 5, func(rcfg *Config) { rcfg.PreVote, rcfg.CheckQuorum = preVote, checkQuorum })
				if r.Chance(0.5) {
					rc.snapEvery = 10
				}
				const faultEnd = 8 * time.Second
				profile := scenarios.DrawProfile(r)
				c.Apply(rc.w, c.Faults(profile.Schedule(c.Rand("faults"), rc.names, len(rc.names), 100*time.Millisecond, faultEnd)))
				clients := &raftClients{rc: rc, r: c.Rand("clients")}
				for rc.w.Now() < faultEnd {
					clients.round()
					rc.run(r.Duration(5*time.Millisecond, 60*time.Millisecond))
				}
				rc.run(faultEnd - rc.w.Now() + time.Millisecond) // past calm
				start := rc.w.Now()
				last := rc.one(num(int(r.Uint64N(1<<31))), 5, true)
				if d := rc.w.Now() - start; d > 10*time.Second {
					c.Failf("after calm the first command took %v to commit on all servers", d)
				}
				clients.checkSeen(c, last)
				if rc.snapEvery > 0 {
					for _, id := range rc.ids {
						if h, ok := rc.host(id); ok && h.srv.PersistedSize() > maxRaftState {
							c.Failf("%s persists %d bytes of Raft state while snapshotting every 10 entries", rc.w.Name(id), h.srv.PersistedSize())
						}
					}
				}
			},
		},
	}
}
