package shardctrlercat

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

func init() {
	for _, s := range ctrlScenarios(shardctrler.NewServer) {
		scenarios.Register(s)
	}
}

// ctrlScenarios is the catalogue over the given servers: the controller's
// own, or a broken variant in tests.
func ctrlScenarios(server ctrlServer) []scenarios.Scenario {
	return harness.WithLogParam([]scenarios.Scenario{
		{
			Name: "shardctrler/basic",
			Summary: "3 servers: groups join and leave, alone and several at once; after each, the latest configuration " +
				"holds exactly the groups expected with their servers, every shard on a member, counts within one; " +
				"every past configuration read back unchanged; linearizable",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 3, 1)
				if q := cc.query(-1); q.Num != 0 {
					c.Failf("a new controller's latest configuration is %v, want number 0", q)
				}
				var made []shardctrler.Config
				steps := []struct {
					join, leave []int
					after       []int
				}{
					{join: []int{1}, after: []int{1}},
					{join: []int{2}, after: []int{1, 2}},
					{leave: []int{1}, after: []int{2}},
					{join: []int{1}, after: []int{1, 2}},
					{join: []int{3, 4, 5}, after: []int{1, 2, 3, 4, 5}},
					{leave: []int{1, 3}, after: []int{2, 4, 5}},
					{leave: []int{2, 4, 5}, after: nil},
				}
				for _, st := range steps {
					var cfg shardctrler.Config
					if st.join != nil {
						cfg = cc.join(st.join...)
					} else {
						cfg = cc.leave(st.leave...)
					}
					if cfg.Num != len(made)+1 {
						c.Failf("%v: numbered %d, want %d", cfg, cfg.Num, len(made)+1)
					}
					cc.checkConfig(cfg, st.after...)
					made = append(made, cfg)
				}
				for _, want := range made {
					if got := cc.query(want.Num); !got.Equal(want) {
						c.Failf("query(%d) = %v, want %v", want.Num, got, want)
					}
				}
				if got := cc.query(1000); !got.Equal(made[len(made)-1]) {
					c.Failf("query(1000) = %v, want the latest, %v", got, made[len(made)-1])
				}
				cc.finish(time.Second)
			},
		},
		{
			Name: "shardctrler/historical",
			Summary: "3 servers, 6 configurations made; then each server crashed in turn: every past configuration " +
				"queried through the other two equals the one made; linearizable",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 3, 1)
				made := []shardctrler.Config{cc.join(1), cc.join(2), cc.join(3), cc.leave(2), cc.join(4, 5), cc.leave(1)}
				for _, name := range cc.names {
					cc.Fault("crash", name)
					for _, want := range made {
						if got := cc.query(want.Num); !got.Equal(want) {
							c.Failf("with %s down: query(%d) = %v, want %v", name, want.Num, got, want)
						}
					}
					cc.Fault("restart", name)
				}
				cc.finish(time.Second)
			},
		},
		{
			Name: "shardctrler/move",
			Summary: "3 servers, 2 groups: every shard moved by hand (the first half to one group, the rest to the " +
				"other) and read back; a move to a missing group is refused and makes no configuration; linearizable",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 3, 1)
				cc.join(3)
				before := cc.join(4)
				n := len(before.Shards)
				for s := 0; s < n; s++ {
					gid := 4
					if s < n/2 {
						gid = 3
					}
					if r := cc.do(cc.clients[0], shardctrler.MoveOp{Shard: s, GID: gid}); r.Err != "" || r.Config.Shards[s] != gid {
						c.Failf("move(%d, %d) = %v %s", s, gid, r.Config, r.Err)
					}
				}
				cfg := cc.query(-1)
				for s, g := range cfg.Shards {
					if want := map[bool]int{true: 3, false: 4}[s < n/2]; g != want {
						c.Failf("%v: shard %d on group %d after the moves, want %d", cfg, s, g, want)
					}
				}
				if cfg.Num != before.Num+n {
					c.Failf("%v: %d moves made %d configurations", cfg, n, cfg.Num-before.Num)
				}
				if r := cc.do(cc.clients[0], shardctrler.MoveOp{Shard: 0, GID: 99}); r.Err != shardctrler.ErrNoGroup || r.Config.Num != cfg.Num {
					c.Failf("a move to a missing group answered %q with configuration %d; want %s and no new configuration", r.Err, r.Config.Num, shardctrler.ErrNoGroup)
				}
				if got := cc.query(-1); !got.Equal(cfg) {
					c.Failf("after the refused move the latest configuration is %v, want %v unchanged", got, cfg)
				}
				cc.finish(time.Second)
			},
		},
		{
			Name: "shardctrler/concurrent",
			Summary: "3 servers, 10 clerks at once: each joins its group g, joins g+1000 and leaves it; the final " +
				"configuration holds exactly the ten groups, balanced; linearizable",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 3, 10)
				done := 0
				for i, cl := range cc.clients {
					gid := 100 + i
					cc.start(cl, shardctrler.JoinOp{Groups: groups(gid)}, func(env node.Env, _ shardctrler.Result) {
						cc.startIn(env, cl, shardctrler.JoinOp{Groups: groups(gid + 1000)}, func(env node.Env, _ shardctrler.Result) {
							cc.startIn(env, cl, shardctrler.LeaveOp{GIDs: []int{gid + 1000}}, func(node.Env, shardctrler.Result) { done++ })
						})
					})
				}
				c.Must(cc.w.RunUntil(func() bool { return done == len(cc.clients) }, 20*time.Second, "every clerk's joins and leave"))
				want := make([]int, 10)
				for i := range want {
					want[i] = 100 + i
				}
				cc.checkConfig(cc.query(-1), want...)
				cc.finish(time.Second)
			},
		},
		minimal(server, "shardctrler/minimal-join",
			"10 groups joined, then 5 more one at a time: each join moves shards only onto the new group, and no more than NShards/groups + 1",
			func(cc *ctrlCluster) {
				cc.join(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
				for g := 11; g <= 15; g++ {
					cc.checkMinimal(fmt.Sprintf("join(%d)", g), shardctrler.JoinOp{Groups: groups(g)}, []int{g}, nil)
				}
			}),
		minimal(server, "shardctrler/minimal-leave",
			"10 groups joined, then 5 leave one at a time: each leave moves only the leaving group's shards",
			func(cc *ctrlCluster) {
				cc.join(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
				for g := 1; g <= 5; g++ {
					cc.checkMinimal(fmt.Sprintf("leave(%d)", g), shardctrler.LeaveOp{GIDs: []int{g}}, nil, []int{g})
				}
			}),
		minimal(server, "shardctrler/minimal-multi",
			"3 groups; 3 more join in one Join, then 3 of the first leave in one Leave: shards move only onto the joining groups, then only off the leaving ones",
			func(cc *ctrlCluster) {
				cc.join(1, 2, 3)
				cc.checkMinimal("join(4, 5, 6)", shardctrler.JoinOp{Groups: groups(4, 5, 6)}, []int{4, 5, 6}, nil)
				cc.checkMinimal("leave(1, 2, 3)", shardctrler.LeaveOp{GIDs: []int{1, 2, 3}}, nil, []int{1, 2, 3})
			}),
		{
			Name: "shardctrler/new-leader",
			Summary: "3 servers, 4 configurations made; the leader (on Paxos, a server) is cut off: the new leader answers the same latest " +
				"configuration, and so does the old one's group once it is back; linearizable",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 3, 1)
				cc.join(1)
				cc.join(2)
				cc.leave(1)
				last := cc.join(3)
				cut := "leader"
				if cc.watch.Log() == harness.Paxos {
					cut = "s0" // no leader on Paxos: a server is cut off
				} else {
					c.Must(cc.w.RunUntil(func() bool { return cc.watch.Leader() != node.None }, 5*time.Second, "a leader"))
				}
				cc.Fault("disconnect", cut)
				if got := cc.query(-1); !got.Equal(last) {
					c.Failf("with the leader cut off: the latest is %v, want %v", got, last)
				}
				cc.Fault("heal")
				cc.Run(time.Second)
				if got := cc.query(-1); !got.Equal(last) {
					c.Failf("after healing: the latest is %v, want %v", got, last)
				}
				cc.finish(time.Second)
			},
		},
		{
			Name: "shardctrler/partitions",
			Summary: "5 servers, 5 clerks issuing random joins, leaves, moves and queries, a new random partition " +
				"(a majority and a minority) about every second for 5 s: linearizable against the controller's model; " +
				"every clerk done within 10 s of healing",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 5, 5)
				cc.runLoad()
				r := c.Rand("partitions")
				for end := cc.w.Now() + 5*time.Second; cc.w.Now() < end; {
					perm := r.Perm(len(cc.names))
					var a, b []string
					for i, p := range perm {
						if i < len(perm)/2+1 {
							a = append(a, cc.names[p])
						} else {
							b = append(b, cc.names[p])
						}
					}
					cc.Fault("partition", strings.Join(a, ",")+"|"+strings.Join(b, ","))
					cc.Run(r.Duration(800*time.Millisecond, 1200*time.Millisecond))
				}
				cc.Fault("heal")
				cc.finish(10 * time.Second)
			},
		},
		{
			Name: "shardctrler/crashes",
			Summary: "5 servers, 5 clerks issuing random operations; every server crashes (half of them inside a " +
				"handler) and restarts about every second for 5 s, on a network losing 5%: linearizable; done within 10 s after",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{Link: &sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 10 * time.Millisecond, Loss: 0.05}}, 5, 5)
				cc.runLoad()
				r := c.Rand("crashes")
				for round := 0; round < 5; round++ {
					cc.Run(r.Duration(700*time.Millisecond, 1300*time.Millisecond))
					for _, name := range cc.names {
						op := "crash"
						if r.Chance(0.5) {
							op = "crash-mid"
						}
						cc.Fault(op, name)
					}
					cc.Run(r.Duration(0, 100*time.Millisecond))
					for _, name := range cc.names {
						cc.Fault("restart", name)
					}
				}
				cc.Fault("calm")
				cc.finish(10 * time.Second)
			},
		},
		{
			Name: "shardctrler/swarm",
			Summary: "5 servers, 5 clerks issuing random operations under a swarm profile drawn from the seed " +
				"(see faults.DrawProfile): any number of servers down at once, a damaged one refusing to start for good, " +
				"the log's answers and the controller's replies held back or duplicated by type; for 6 s, then calm: linearizable; done within 10 s",
			Histories: true,
			Run: func(c *scenarios.Case) {
				cc := newCtrlCluster(c, server, sim.Config{}, 5, 5)
				const faultEnd = 6 * time.Second
				p := scenarios.DrawProfile(c.Rand("swarm"))
				p.Types = append(cc.watch.Log().MsgTypes(), harness.TypeNames(rsm.Reply{})...) // the log's answers, and the controller's to its clerks
				c.Apply(cc.w, p.Schedule(c.Rand("faults"), cc.names, len(cc.names), 100*time.Millisecond, faultEnd))
				cc.runLoad()
				cc.Run(faultEnd + time.Millisecond)
				cc.finish(10 * time.Second)
			},
		},
	})
}

// minimal is a minimal-transfer scenario: 3 servers, one clerk, body's
// checks; linearizable.
func minimal(server ctrlServer, name, summary string, body func(cc *ctrlCluster)) scenarios.Scenario {
	return scenarios.Scenario{
		Name: name, Summary: "3 servers: " + summary + "; counts within one; linearizable", Histories: true,
		Run: func(c *scenarios.Case) {
			cc := newCtrlCluster(c, server, sim.Config{}, 3, 1)
			body(cc)
			cc.finish(time.Second)
		},
	}
}

// checkMinimal runs op and fails unless every shard it moved went onto a
// group of onto (if set) and came off a group of off (if set), and no
// more than NShards/groups + 1 moved.
func (cc *ctrlCluster) checkMinimal(what string, op any, onto, off []int) {
	before := cc.query(-1)
	after := cc.do(cc.clients[0], op).Config
	moved := 0
	for s := range before.Shards {
		from, to := before.Shards[s], after.Shards[s]
		if from == to {
			continue
		}
		moved++
		if onto != nil && !slices.Contains(onto, to) {
			cc.c.Failf("%s moved shard %d from group %d to %d, which did not join", what, s, from, to)
		}
		if off != nil && !slices.Contains(off, from) {
			cc.c.Failf("%s moved shard %d off group %d, which did not leave", what, s, from)
		}
	}
	if onto != nil {
		if limit := len(after.Shards)/len(after.Groups)*len(onto) + len(onto); moved > limit {
			cc.c.Failf("%s moved %d shards, more than the %d the new groups' shares allow", what, moved, limit)
		}
	}
	gids := after.GIDs()
	cc.checkConfig(after, gids...)
}
