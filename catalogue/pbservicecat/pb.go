package pbservicecat

import (
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
	"github.com/simlab-go/simlab/systems/viewservice"
)

var pbKeys = []string{"a", "b", "c"}

// lossy loses and reorders messages between everyone.
var lossy = sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 3 * time.Millisecond, Loss: 0.1, Dup: 0.05, TailProb: 0.1, TailMean: 20 * time.Millisecond, TailMax: 200 * time.Millisecond}

// init registers the catalogue over the correct servers.
func init() {
	for _, s := range pbScenarios(breakage{}) {
		scenarios.Register(s)
	}
}

// pbScenarios is the catalogue over servers and a view service broken as
// broken says (nothing: the correct ones).
func pbScenarios(broken breakage) []scenarios.Scenario {
	return []scenarios.Scenario{
		{Name: "pbservice/basic-fail", Histories: true,
			Summary: "a primary and a backup, 3 clients for 2 s; the primary crashes: the backup takes over with every write, a third server becomes backup; linearizable",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 3, broken)
				pc.addClients(3, pbKeys, false)
				pc.waitView(true, 5*time.Second)
				pc.Run(2 * time.Second)
				t := pc.watchTakeover()
				pc.Fault("crash", pc.w.Name(t.before.Primary))
				pc.Run(3 * time.Second)
				t.check(true)
				pc.finish(10 * time.Second)
				checkBackupSame(c, pc)
			}},
		{Name: "pbservice/at-most-once", Histories: true,
			Summary: "a primary and a backup on a network losing 10%, duplicating 5% and reordering: 3 clients append to one key for 3 s: every append applied exactly once, in each client's order; linearizable",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 2, broken)
				cls := pc.addClients(3, []string{"k"}, true)
				pc.Bind(scenarios.LinkSchedule(0, lossy))
				pc.Run(3 * time.Second)
				pc.Fault("calm")
				pc.finish(10 * time.Second)
				checkAppendsOnce(c, pc, cls)
			}},
		{Name: "pbservice/fail-put", Histories: true,
			Summary: "3 servers; 2 clients append to one key; the backup crashes and they keep appending at once, then the primary crashes and they keep appending: every append survives into the last primary, once; linearizable",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 3, broken)
				cls := pc.addClients(2, []string{"k"}, true)
				pc.waitView(true, 5*time.Second)
				pc.Run(500 * time.Millisecond)
				pc.Fault("crash", pc.w.Name(pc.view().Backup))
				pc.Run(2 * time.Second)
				pc.Fault("crash", pc.w.Name(pc.view().Primary))
				pc.Run(3 * time.Second)
				pc.finish(10 * time.Second)
				checkAppendsOnce(c, pc, cls)
			}},
		{Name: "pbservice/clock-rates", Histories: true, Params: []scenarios.Param{clockRatioParam},
			Summary: "3 servers, 2 clients; the primary's clock runs at 85% of the view service's (ratio), then the primary is cut off from the view service only: " +
				"the service replaces it within 1.5 s, and at 85% or more the old primary no longer believes itself in touch by then (below, its belief outlives its place, which the run reports); linearizable; done within 10 s of healing",
			FixedFaults:   "it sets the primary's clock and cuts it from the view service itself",
			FixedStrategy: "its bound includes a ping's round trip, which a strategy's hold-back lengthens",
			Run:           func(c *scenarios.Case) { runClockRates(c, broken) }},
		{Name: "pbservice/view-traffic", Histories: true,
			Summary:       "a primary and a backup, one client doing 100 puts: the view service hears at most 2 messages per 100 ms (the servers' pings) plus 20 in that time: clients and servers cache the view",
			FixedFaults:   "its bound counts messages on a network that loses none",
			FixedStrategy: "its bound counts messages in 100 ms windows: messages held back bunch up in a window",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 2, broken)
				pc.waitView(true, 5*time.Second)
				before, start := pc.w.NodeStats(pc.vs).Delivered, pc.w.Now()
				cl := pc.addClients(1, []string{"k"}, false)[0]
				pc.Run(time.Millisecond)
				c.Must(pc.w.RunUntil(func() bool { return cl.ops >= 100 }, 30*time.Second, "100 operations"))
				heard := pc.w.NodeStats(pc.vs).Delivered - before
				d := pc.w.Now() - start
				limit := 2*int64(d/(100*time.Millisecond)) + 2 + 20
				if heard > limit {
					c.Failf("the view service heard %d messages during 100 operations over %v; want at most %d", heard, d, limit)
				}
				c.Reportf("the view service heard %d messages during 100 operations over %v (bound %d)", heard, d, limit)
				pc.finish(10 * time.Second)
			}},
		{Name: "pbservice/concurrent-same", Histories: true,
			Summary: "a primary and a backup, 5 clients putting and appending to one key for 2 s: the backup's state is the primary's; linearizable",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 2, broken)
				pc.addClients(5, []string{"k"}, false)
				pc.Run(2 * time.Second)
				pc.finish(10 * time.Second)
				checkBackupSame(c, pc)
			}},
		{Name: "pbservice/repeated-crash", Histories: true,
			Summary: "3 servers, one at a time crashed and restarted about every 700 ms for 5 s while 3 clients work: linearizable; every client done within 10 s of the faults' end unless the view service is stuck by its rules, which the run then reports",
			Run:     func(c *scenarios.Case) { runRepeated(c, broken, false) }},
		{Name: "pbservice/repeated-crash-unreliable", Histories: true,
			Summary: "the same on a network losing 10%, duplicating 5% and reordering",
			Run:     func(c *scenarios.Case) { runRepeated(c, broken, true) }},
		{Name: "pbservice/partition", Histories: true,
			Summary:     "the primary is cut off from the view service and the backup, not from the clients, while they work: the backup takes over; asked for a read directly once the view moved on, as the lab's test asks it, the old primary refuses it (no stale read: it forwards reads too, and is out of touch); linearizable",
			FixedFaults: "it checks what its own partition of the primary lets through",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 3, broken)
				pc.addClients(3, pbKeys, false)
				pc.waitView(true, 5*time.Second)
				pc.Run(500 * time.Millisecond)
				t := pc.watchTakeover()
				old, backup := pc.w.Name(t.before.Primary), pc.w.Name(t.before.Backup)
				pc.Fault("cut", old+",vs")
				pc.Fault("cut", old+","+backup)
				pc.Run(3 * time.Second)
				t.check(false)
				pc.askDirectly(t.before.Primary)
				pc.Fault("heal")
				pc.finish(10 * time.Second)
			}},
		{Name: "pbservice/vs-down", Histories: true,
			Summary:     "the single point of failure: the view service crashes, then the primary: once both are down, no operation completes for 3 s (clients wait; nobody answers wrongly); linearizable",
			FixedFaults: "it checks what its own crash of the view service stops",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 2, broken)
				cls := pc.addClients(2, pbKeys, false)
				pc.waitView(true, 5*time.Second)
				pc.Run(500 * time.Millisecond)
				primary := pc.view().Primary
				pc.Fault("crash", "vs")
				pc.Run(200 * time.Millisecond)
				pc.Fault("crash", pc.w.Name(primary))
				pc.Run(time.Second)
				before := 0
				for _, cl := range cls {
					before += cl.ops
				}
				pc.Run(3 * time.Second)
				after := 0
				for _, cl := range cls {
					after += cl.ops
				}
				if after != before {
					c.Failf("%d operations completed with the view service and the primary down; want none", after-before)
				}
				c.Reportf("with the view service down and the primary dead, no operation completed in 3 s: the service is stuck")
				pc.c.CheckLinearizable("pbservice", checker.KVModel, pc.clients.History.Ops())
			}},
		{Name: "pbservice/swarm", Histories: true,
			Summary: "3 servers, 3 clients under a swarm profile drawn from the seed (see faults.DrawProfile) for 5 s on the servers, one down at a time, the view service spared; the backup's, the primary's and the view service's answers held back or duplicated by type; damage finds no disk (the servers keep their state in memory); then calm: linearizable; done within 15 s unless the view service is stuck by its rules (a primary dead before acknowledging its view, or with no live backup), which the run then reports",
			Run: func(c *scenarios.Case) {
				pc := newPBCluster(c, 3, broken)
				pc.allowStuck = true
				pc.addClients(3, pbKeys, false)
				r := c.Rand("swarm")
				p := scenarios.DrawProfile(r)
				p.Types = harness.TypeNames(pbservice.ForwardReply{}, pbservice.Reply{}, viewservice.PingReply{}) // the backup's, the primary's and the view service's answers
				const end = 5 * time.Second
				pc.Bind(p.Schedule(c.Rand("faults"), []string{"s1", "s2", "s3"}, 1, 100*time.Millisecond, end))
				pc.Run(end + time.Millisecond)
				pc.finish(15 * time.Second)
			}},
	}
}

// askDirectly sends server id a read of key a from a node of its own,
// bypassing any clerk, as the lab's test asks a replaced primary, and
// requires it refused within a second: a primary the view service replaced
// must not answer.
func (pc *pbCluster) askDirectly(id node.ID) {
	p := &probe{}
	pid := pc.w.AddNode("probe", func() node.Handler { return p })
	pc.Run(time.Millisecond) // its Start
	name := pc.w.Name(id)
	pc.w.Invoke(pid, "get a from "+name, func(env node.Env) {
		env.Send(id, pbservice.Request{ClientID: 1 << 62, Seq: 1, Kind: pbservice.Get, Key: "a"})
	})
	pc.c.Check(pc.RunUntil(func() bool { return len(p.replies) > 0 }, time.Second, name+" answering a read sent to it directly"))
	for _, r := range p.replies {
		if r.Err == pbservice.OK {
			pc.c.Failf("%s, which the view service replaced as primary (view %d), answered a read of key a with %q: a stale read", name, pc.view().Viewnum, r.Value)
		} else {
			pc.c.Reportf("%s, replaced as primary, refused a read sent to it directly: %s", name, r.Err)
		}
	}
}

// probe is a node that keeps the replies it receives.
type probe struct{ replies []pbservice.Reply }

// Handle keeps a reply.
func (p *probe) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if m, ok := r.Msg.(pbservice.Reply); ok {
			p.replies = append(p.replies, m)
		}
	}
}

// runRepeated is pbservice/repeated-crash, on a lossy network if
// unreliable.
func runRepeated(c *scenarios.Case, broken breakage, unreliable bool) {
	pc := newPBCluster(c, 3, broken)
	pc.allowStuck = true
	pc.addClients(3, pbKeys, false)
	var s scenarios.Schedule
	if unreliable {
		s = scenarios.LinkSchedule(0, lossy)
	}
	p := scenarios.Profile{Crash: true, Gap: 700 * time.Millisecond}
	const end = 5 * time.Second
	s = append(s, p.Schedule(c.Rand("faults"), []string{"s1", "s2", "s3"}, 1, 500*time.Millisecond, end)...)
	pc.Bind(s)
	pc.Run(end + time.Millisecond)
	pc.finish(10 * time.Second)
}

// checkBackupSame requires the view to have a primary and a backup, and
// the backup's data to equal the primary's (under a schedule given with
// -faults, a view without both is only reported).
func checkBackupSame(c *scenarios.Case, pc *pbCluster) {
	v := pc.view()
	p, b := pc.server(v.Primary), pc.server(v.Backup)
	if p == nil || b == nil {
		if c.FaultsReplaced() {
			c.Reportf("view %d has no running primary and backup to compare (the faults came from -faults)", v.Viewnum)
		} else {
			c.Failf("view %d has no running primary and backup to compare; want both", v.Viewnum)
		}
		return
	}
	pc.Run(500 * time.Millisecond)
	for _, k := range pbKeys {
		if p.Value(k) != b.Value(k) {
			c.Failf("key %q: the primary holds %q, the backup %q", k, p.Value(k), b.Value(k))
		}
	}
	if p.Value("k") != b.Value("k") {
		c.Failf("key k: the primary holds %q, the backup %q", p.Value("k"), b.Value("k"))
	}
}

// checkAppendsOnce requires every append of the clients to be in the
// primary's final value of key k exactly once, in each client's order.
func checkAppendsOnce(c *scenarios.Case, pc *pbCluster, cls []*pbClient) {
	s := pc.server(pc.view().Primary)
	if s == nil {
		c.Failf("no running primary to read the final value from")
		return
	}
	final := s.Value("k")
	for _, cl := range cls {
		at := -1
		for _, v := range cl.values {
			if n := strings.Count(final, v); n != 1 {
				c.Failf("c%d's append %q is in the final value %d times; want once", cl.Index, v, n)
			}
			i := strings.Index(final, v)
			if i < at {
				c.Failf("c%d's appends are out of its order in the final value", cl.Index)
			}
			at = i
		}
	}
}
