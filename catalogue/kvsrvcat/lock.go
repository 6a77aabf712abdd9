package kvsrvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
)

// holdAndCheck writes the client's name into the marker key of a lock it
// holds, waits, and reads the marker back: no other client may have
// written it meanwhile.
func (cl *srvClient) holdAndCheck(env node.Env, name string, then func(env node.Env)) {
	marker := "marker:" + name
	me := cl.Name()
	var write func(env node.Env)
	write = func(env node.Env) {
		cl.get(env, marker, func(env node.Env, _ string, version uint64, err string) {
			cl.put(env, marker, me, version, func(env node.Env, err string) {
				if err != kvsrv.OK && err != kvsrv.ErrMaybe {
					write(env) // ErrVersion: read again (the key's version is the holders' business only)
					return
				}
				cl.After(env, env.Rand().Duration(5*time.Millisecond, 30*time.Millisecond), func(env node.Env) {
					cl.get(env, marker, func(env node.Env, value string, _ uint64, err string) {
						if value != me && cl.sc.doubled == "" {
							cl.sc.doubled = fmt.Sprintf("the marker of lock %q reads %q while c%d holds it", name, value, cl.Index)
						}
						then(env)
					})
				})
			})
		})
	}
	write(env)
}

// locker has a client take its locks (a, or a then b) rounds times.
func locker(rounds int, names []string) func(env node.Env, cl *srvClient) {
	return func(env node.Env, cl *srvClient) {
		var round func(env node.Env, k int)
		round = func(env node.Env, k int) {
			if k == rounds {
				cl.done = true
				return
			}
			var take func(env node.Env, i int)
			take = func(env node.Env, i int) {
				if i == len(names) {
					cl.holdAndCheck(env, names[len(names)-1], func(env node.Env) {
						var free func(env node.Env, j int)
						free = func(env node.Env, j int) {
							if j < 0 {
								cl.After(env, env.Rand().Duration(0, 20*time.Millisecond), func(env node.Env) { round(env, k+1) })
								return
							}
							cl.release(env, names[j], func(env node.Env) { free(env, j-1) })
						}
						free(env, len(names)-1)
					})
					return
				}
				cl.acquire(env, names[i], func(env node.Env) { take(env, i+1) })
			}
			take(env, 0)
		}
		round(env, 0)
	}
}

func runLock(c *scenarios.Case, cluster clusterFunc, clients int, unreliable, nested bool) {
	names := []string{"a"}
	if nested {
		names = []string{"a", "b"}
	}
	rounds := 5
	if clients == 1 {
		rounds = 20
	}
	sc := cluster(c, clients, locker(rounds, names))
	if unreliable {
		sc.Bind(scenarios.LinkSchedule(0, lossy))
	}
	sc.waitDone(60 * time.Second)
	c.Reportf("marker puts: %d successful, %d ErrMaybe, %d ErrVersion; %d ErrMaybe answers to the locks' own puts", sc.ok, sc.maybe, sc.stale, sc.lockMaybes())
	if unreliable && !nested && sc.lockMaybes() == 0 && !c.FaultsReplaced() {
		c.Failf("no put of a lock was answered ErrMaybe on a network losing 20%%: the scenario did not test how the lock handles it")
	}
	sc.checkHistory()
}

// lockMaybes is how many ErrMaybe answers went to the locks' own puts
// (Acquire and Release), not to the scripts' puts of marker keys.
func (sc *srvCluster) lockMaybes() int { return sc.maybeAnswers - sc.maybe }

func runLockSwarm(c *scenarios.Case, cluster clusterFunc) {
	sc := cluster(c, 10, nil)
	r := c.Rand("swarm")
	for _, cl := range sc.clients {
		names := []string{"a"}
		if r.Chance(0.5) {
			names = []string{"a", "b"}
		}
		cl.script = locker(3, names)
	}
	p := scenarios.DrawProfile(r)
	p.Crash, p.CrashMid, p.Torn, p.Reboot = false, false, false, false // the store and the locks live in memory: see kvsrv/server-crash
	p.Dup = 0                                                          // see lossy
	if p.Gap == 0 {
		p.Gap = 300 * time.Millisecond
	}
	var nodes []string
	for _, id := range sc.w.Nodes() {
		nodes = append(nodes, sc.w.Name(id))
	}
	const end = 6 * time.Second
	sc.Bind(p.Schedule(c.Rand("faults"), nodes, len(nodes), 100*time.Millisecond, end))
	sc.waitDone(60 * time.Second)
	sc.checkHistory()
}
