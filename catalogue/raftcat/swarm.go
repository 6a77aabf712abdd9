package raftcat

import (
	"cmp"
	"slices"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func swarmScenarios() []generic {
	return []generic{
		{
			name: "crash-mid",
			summary: "5 servers, clients starting commands all along, torn writes, snapshots half the time: for 6 s a " +
				"server crashes inside a handler every 150–600 ms (keeping a random prefix of that call's disk writes, " +
				"syncs and sends) and restarts 0.1–0.8 s later, at most 2 down; then calm: a new command commits on " +
				"all within 10 s and every command a client saw committed is in the log",
			run: func(c *scenarios.Case, impl Impl) { runCrashMid(c, impl, nil) },
		},
		{
			name: "quick-reboot",
			summary: "5 servers, clients starting commands all along: for 6 s a server reboots every 50–300 ms, down " +
				"for only 1–10 ms, so the RPCs of the term it answered reach its new incarnation (a vote asked " +
				"again, an append sent again); then calm: a new command commits on all within 10 s and every " +
				"command a client saw committed is in the log",
			run: func(c *scenarios.Case, impl Impl) { runQuickReboot(c, impl, nil) },
		},
		{
			name: "swarm",
			summary: "5 servers under a swarm profile drawn from the seed (see faults.DrawProfile): any number down at " +
				"once, a damaged one refusing to start for good, replies held back or duplicated by type where the Raft " +
				"names them; PreVote, CheckQuorum, snapshots and a CPU model drawn too; for 8 s of client traffic, then " +
				"calm: a new command commits on every server but a refusing one within 10 s and every command a client " +
				"saw committed is in the log",
			run: func(c *scenarios.Case, impl Impl) { runSwarm(c, impl, nil) },
		},
	}
}

// runCrashMid crashes servers inside their handlers, over and over: the
// fault that finds a host that sends before its state is durable.
// wrap, when set, stands between each server and its Env (a test's broken
// persistence).
func runCrashMid(c *scenarios.Case, impl Impl, wrap func(*raftHost, node.Env) node.Env) {
	rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
	rc.wrapEnv = wrap
	r := c.Rand("crash-mid")
	if r.Chance(0.5) {
		rc.snapEvery = 10
	}
	const faultEnd = 6 * time.Second
	c.Apply(rc.w, crashMidSchedule(c.Rand("faults"), rc.names, 2, 100*time.Millisecond, faultEnd))
	driveThenAgree(c, rc, r, faultEnd)
}

// driveThenAgree has clients start commands all along until faultEnd (the
// schedule's calm), then requires a new command to commit on every serving
// server within 10 s and every command a client saw committed, of which
// there must be some, to be in the log.
func driveThenAgree(c *scenarios.Case, rc *raftCluster, r *node.Rand, faultEnd time.Duration) {
	clients := &raftClients{rc: rc, r: c.Rand("clients")}
	clients.driveUntil(r, faultEnd)
	rc.Run(faultEnd - rc.w.Now() + time.Millisecond) // past calm
	agreeAfterCalm(c, rc, clients, r)
	clients.requireSeen(c)
}

// driveUntil has the clients start commands every 5–60 ms (drawn from r)
// until end.
func (cl *raftClients) driveUntil(r *node.Rand, end time.Duration) {
	for cl.rc.w.Now() < end {
		cl.round()
		cl.rc.Run(r.Duration(5*time.Millisecond, 60*time.Millisecond))
	}
}

// agreeAfterCalm requires, once the faults have ended, a new command to
// commit on every serving server within 10 s, and every command a client
// saw committed to be in the log.
func agreeAfterCalm(c *scenarios.Case, rc *raftCluster, clients *raftClients, r *node.Rand) {
	start := rc.w.Now()
	// A server whose damaged disk it refused to start over stays down by
	// design; every other server must apply the command.
	serving := 0
	for _, id := range rc.ids {
		if rc.w.Refusal(id) == nil {
			serving++
		}
	}
	last := rc.one(num(int(r.Uint64N(1<<31))), serving, true)
	if d := rc.w.Now() - start; d > 10*time.Second {
		c.Failf("after calm the first command took %v to commit on all %d serving servers", d, serving)
	}
	clients.checkSeen(c, last)
}

// runQuickReboot reboots servers within milliseconds, over and over: what
// a server said before the crash meets the same round's messages after
// it, which finds a server that forgets a vote or an acknowledged entry.
// wrap is as runCrashMid's.
func runQuickReboot(c *scenarios.Case, impl Impl, wrap func(*raftHost, node.Env) node.Env) {
	rc := newRaftCluster(c, impl, sim.Config{}, 5, nil)
	rc.wrapEnv = wrap
	r := c.Rand("quick-reboot")
	const faultEnd = 6 * time.Second
	c.Apply(rc.w, rebootSchedule(c.Rand("faults"), rc.names, 100*time.Millisecond, faultEnd))
	driveThenAgree(c, rc, r, faultEnd)
}

// rebootSchedule draws quick reboots of the named nodes over [start, end),
// one every 50–300 ms, each down for 1–10 ms, ending in calm.
func rebootSchedule(r *node.Rand, nodes []string, start, end time.Duration) scenarios.Schedule {
	var s scenarios.Schedule
	for t := start + r.Duration(50*time.Millisecond, 300*time.Millisecond); t < end; t += r.Duration(50*time.Millisecond, 300*time.Millisecond) {
		t = t.Round(time.Millisecond)
		if t >= end {
			break
		}
		down := r.Duration(time.Millisecond, 10*time.Millisecond).Round(time.Millisecond)
		s = append(s, scenarios.Action{At: t, Op: "reboot", Args: []string{nodes[r.IntN(len(nodes))], down.String()}})
	}
	return append(s, scenarios.Action{At: end, Op: "calm"})
}

// crashMidSchedule draws in-handler crashes of the named nodes, at most
// maxDown at a time, each followed by a restart, over [start, end) with
// torn writes on, ending in calm.
func crashMidSchedule(r *node.Rand, nodes []string, maxDown int, start, end time.Duration) scenarios.Schedule {
	s := scenarios.Schedule{{At: start, Op: "disk", Args: []string{"torn"}}}
	downUntil := make([]time.Duration, len(nodes))
	for t := start + r.Duration(150*time.Millisecond, 600*time.Millisecond); t < end; t += r.Duration(150*time.Millisecond, 600*time.Millisecond) {
		t = t.Round(time.Millisecond)
		if t >= end {
			break
		}
		var up []int
		for i, u := range downUntil {
			if u <= t {
				up = append(up, i)
			}
		}
		if len(nodes)-len(up) >= maxDown {
			continue
		}
		i := up[r.IntN(len(up))]
		back := min(t+r.Duration(100*time.Millisecond, 800*time.Millisecond), end).Round(time.Millisecond)
		downUntil[i] = back
		s = append(s, scenarios.Action{At: t, Op: "crash-mid", Args: []string{nodes[i]}},
			scenarios.Action{At: back, Op: "restart", Args: []string{nodes[i]}})
	}
	s = append(s, scenarios.Action{At: end, Op: "calm"})
	slices.SortStableFunc(s, func(a, b scenarios.Action) int { return cmp.Compare(a.At, b.At) })
	return s
}

// runSwarm is raft/swarm; wrap, when set, wraps each server's Env (a broken
// disk, in tests).
func runSwarm(c *scenarios.Case, impl Impl, wrap func(*raftHost, node.Env) node.Env) {
	r := c.Rand("swarm")
	cfg := sim.Config{}
	if r.Chance(0.3) {
		cfg.CPU = sim.CPUConfig{Enabled: true, PerEvent: r.Duration(10*time.Microsecond, 500*time.Microsecond)}
	}
	preVote, checkQuorum := r.Chance(0.5), r.Chance(0.5)
	rc := newRaftCluster(c, impl, cfg, 5, func(rcfg *Config) { rcfg.PreVote, rcfg.CheckQuorum = preVote, checkQuorum })
	rc.wrapEnv = wrap
	if r.Chance(0.5) {
		rc.snapEvery = 10
	}
	const faultEnd = 8 * time.Second
	profile := scenarios.DrawProfile(r)
	profile.Types = impl.MsgTypes
	c.Apply(rc.w, profile.Schedule(c.Rand("faults"), rc.names, len(rc.names), 100*time.Millisecond, faultEnd))
	clients := &raftClients{rc: rc, r: c.Rand("clients")}
	clients.driveUntil(r, faultEnd)
	rc.Run(faultEnd - rc.w.Now() + time.Millisecond) // past calm
	// A drawn profile may keep a majority down or cut off for the whole
	// phase, so seeing no command committed is no failure here.
	agreeAfterCalm(c, rc, clients, r)
	if rc.snapEvery > 0 {
		for _, id := range rc.ids {
			if h, ok := rc.host(id); ok && h.srv.PersistedSize() > maxRaftState {
				c.Failf("%s persists %d bytes of Raft state while snapshotting every 10 entries", rc.w.Name(id), h.srv.PersistedSize())
			}
		}
	}
}
