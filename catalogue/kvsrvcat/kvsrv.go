package kvsrvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
)

func init() {
	for _, s := range srvScenarios(nil) {
		scenarios.Register(s)
	}
}

// lossy is the unreliable network of the lossy scenarios: loss and
// reordering, no duplication. A duplicated put can apply from one copy
// while the other's ErrVersion reaches the clerk first, and without
// remembering anything per client the server cannot tell the clerk so:
// exact answers over a duplicating network are outside what a versioned
// store without per-client state can give.
var lossy = sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 3 * time.Millisecond, Loss: 0.2, TailProb: 0.1, TailMean: 20 * time.Millisecond, TailMax: 200 * time.Millisecond}

// srvScenarios is the catalogue; tweak, when set, changes each cluster
// before it runs (a broken variant, in tests).
func srvScenarios(tweak func(*srvCluster)) []scenarios.Scenario {
	cluster := func(c *scenarios.Case, n int, script func(env node.Env, cl *srvClient)) *srvCluster {
		sc := newSrvCluster(c, n, script)
		if tweak != nil {
			tweak(sc)
		}
		return sc
	}
	return []scenarios.Scenario{
		{Name: "kvsrv/basic", Histories: true,
			Summary: "one client, reliable network: a missing key is ErrNoKey to Get and to a Put above version 0; a put at the current version applies and bumps it; one at a stale version is ErrVersion",
			Run:     func(c *scenarios.Case) { runBasic(c, cluster) }},
		{Name: "kvsrv/race", Histories: true,
			Summary: "10 clients racing versioned puts on one key for 3 s, reliable network: the server's version equals the number of successful puts; the history fits the versioned model",
			Run:     func(c *scenarios.Case) { runRace(c, cluster, false) }},
		{Name: "kvsrv/unreliable", Histories: true,
			Summary: "10 clients racing versioned puts on one key for 3 s, 20% loss and reordering (no duplication: see the README): ErrMaybe is seen, no put applies twice (the version is at most the successful and maybe puts), the history fits the versioned model",
			Run:     func(c *scenarios.Case) { runRace(c, cluster, true) }},
		{Name: "kvsrv/server-crash",
			Summary:     "the known limit: the store is one server holding its state in memory. It crashes after 20 successful puts and is down for 1 s, then restarts empty: every key reads ErrNoKey again",
			FixedFaults: "it checks what its own crash of the server loses",
			Run:         func(c *scenarios.Case) { runServerCrash(c, cluster) }},
		{Name: "lock/one", Histories: true,
			Summary: "one client acquires and releases a lock 20 times, reliable network",
			Run:     func(c *scenarios.Case) { runLock(c, cluster, 1, false, false) }},
		{Name: "lock/many", Histories: true,
			Summary: "10 clients each take one lock 5 times, writing a marker key while they hold it, reliable network: never two holders (checked on every event), the marker unchanged by others while held",
			Run:     func(c *scenarios.Case) { runLock(c, cluster, 10, false, false) }},
		{Name: "lock/unreliable", Histories: true,
			Summary: "10 clients each take one lock 5 times on a network losing 20% and reordering: the locks' own puts answered ErrMaybe (and handled), never two holders, the marker unchanged by others while held",
			Run:     func(c *scenarios.Case) { runLock(c, cluster, 10, true, false) }},
		{Name: "lock/nested", Histories: true,
			Summary: "5 clients each take lock a then lock b 5 times and hold both, lossy network: never two holders of either",
			Run:     func(c *scenarios.Case) { runLock(c, cluster, 5, true, true) }},
		{Name: "lock/swarm", Histories: true,
			Summary: "10 clients each taking lock a, or locks a then b, 3 times under a swarm profile drawn from the seed (see faults.DrawProfile) for 6 s, on any node, without its crashes and reboots (the store lives in the server's memory) or duplication, and nothing aimed at message types: never two holders, all done within 60 s",
			Run:     func(c *scenarios.Case) { runLockSwarm(c, cluster) }},
	}
}

type clusterFunc func(c *scenarios.Case, n int, script func(env node.Env, cl *srvClient)) *srvCluster

// steps runs the steps one after another, each starting the next.
func steps(env node.Env, fs ...func(env node.Env, next func(node.Env))) {
	if len(fs) == 0 {
		return
	}
	fs[0](env, func(env node.Env) { steps(env, fs[1:]...) })
}

func runBasic(c *scenarios.Case, cluster clusterFunc) {
	var failures []string
	expect := func(what, got, want string) {
		if got != want {
			failures = append(failures, fmt.Sprintf("%s: %q, want %q", what, got, want))
		}
	}
	sc := cluster(c, 1, func(env node.Env, cl *srvClient) {
		getIs := func(what, wantValue string, wantVersion uint64, wantErr string) func(env node.Env, next func(node.Env)) {
			return func(env node.Env, next func(node.Env)) {
				cl.get(env, "k", func(env node.Env, value string, version uint64, err string) {
					expect(what, fmt.Sprintf("%s %q v%d", err, value, version), fmt.Sprintf("%s %q v%d", wantErr, wantValue, wantVersion))
					next(env)
				})
			}
		}
		putIs := func(what, value string, version uint64, wantErr string) func(env node.Env, next func(node.Env)) {
			return func(env node.Env, next func(node.Env)) {
				cl.put(env, "k", value, version, func(env node.Env, err string) {
					expect(what, err, wantErr)
					next(env)
				})
			}
		}
		steps(env,
			getIs("get of a missing key", "", 0, kvsrv.ErrNoKey),
			putIs("put of a missing key at version 1", "a", 1, kvsrv.ErrNoKey),
			putIs("put of a missing key at version 0", "a", 0, kvsrv.OK),
			getIs("get after the first put", "a", 1, kvsrv.OK),
			putIs("put at the stale version 0", "b", 0, kvsrv.ErrVersion),
			putIs("put at the current version 1", "b", 1, kvsrv.OK),
			getIs("get after the second put", "b", 2, kvsrv.OK),
			func(env node.Env, _ func(node.Env)) { cl.done = true },
		)
	})
	sc.waitDone(10 * time.Second)
	for _, f := range failures {
		c.Failf("%s", f)
	}
	sc.checkHistory()
}

// racer has a client read the key and put at the version it read, again
// and again, until end.
func racer(end time.Duration) func(env node.Env, cl *srvClient) {
	return func(env node.Env, cl *srvClient) {
		var loop func(env node.Env)
		n := 0
		loop = func(env node.Env) {
			if env.Now() >= end {
				cl.done = true
				return
			}
			cl.get(env, "k", func(env node.Env, _ string, version uint64, err string) {
				n++
				cl.put(env, "k", fmt.Sprintf("c%d.%d", cl.Index, n), version, func(env node.Env, _ string) {
					cl.After(env, env.Rand().Duration(0, 10*time.Millisecond), loop)
				})
			})
		}
		loop(env)
	}
}

func runRace(c *scenarios.Case, cluster clusterFunc, unreliable bool) {
	const end = 3 * time.Second
	sc := cluster(c, 10, racer(end))
	if unreliable {
		sc.Bind(scenarios.LinkSchedule(0, lossy))
	}
	sc.waitDone(end + 30*time.Second)
	v := sc.server().Version("k")
	switch {
	case !unreliable && v != uint64(sc.ok):
		c.Failf("the server's version is %d after %d successful puts: a put applied twice or went missing", v, sc.ok)
	case unreliable && (v < uint64(sc.ok) || v > uint64(sc.ok+sc.maybe)):
		c.Failf("the server's version is %d after %d successful and %d maybe puts: want between the two", v, sc.ok, sc.ok+sc.maybe)
	case unreliable && sc.maybe == 0 && !c.FaultsReplaced():
		c.Failf("no put answered ErrMaybe on a network losing 20%%: the scenario did not test it")
	}
	c.Reportf("%d successful puts, %d ErrMaybe, %d ErrVersion; version %d", sc.ok, sc.maybe, sc.stale, v)
	sc.checkHistory()
}

func runServerCrash(c *scenarios.Case, cluster clusterFunc) {
	sc := cluster(c, 1, func(env node.Env, cl *srvClient) {
		var loop func(env node.Env, k int)
		loop = func(env node.Env, k int) {
			if k == 20 {
				cl.done = true
				return
			}
			cl.put(env, fmt.Sprint("k", k), "v", 0, func(env node.Env, err string) { loop(env, k+1) })
		}
		loop(env, 0)
	})
	sc.waitDone(10 * time.Second)
	if sc.ok != 20 {
		c.Failf("%d of the 20 puts before the crash succeeded, want all: the keys the crash is to lose were not all there", sc.ok)
	}
	sc.c.Fault(sc.w, "crash", "srv")
	sc.c.Must(sc.w.RunFor(time.Second))
	sc.c.Fault(sc.w, "restart", "srv")
	sc.c.Must(sc.w.RunFor(10 * time.Millisecond))
	cl := sc.clients[0]
	cl.done = false
	lost := 0
	sc.w.Invoke(sc.w.Nodes()[1], "read every key", func(env node.Env) {
		var loop func(env node.Env, k int)
		loop = func(env node.Env, k int) {
			if k == 20 {
				cl.done = true
				return
			}
			cl.Clerk.Get(env, fmt.Sprint("k", k), func(env node.Env, _ string, _ uint64, err string) {
				if err == kvsrv.ErrNoKey {
					lost++
				}
				loop(env, k+1)
			})
		}
		loop(env, 0)
	})
	sc.waitDone(10 * time.Second)
	if lost != 20 {
		c.Failf("%d of 20 keys read ErrNoKey after the server restarted; the store keeps its state in memory, so all 20 should be gone", lost)
	}
	c.Reportf("the server restarted empty: %d of 20 keys lost (the store is not durable)", lost)
}
