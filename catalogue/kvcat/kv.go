package kvcat

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
)

var kvKeys = []string{"k0", "k1", "k2", "k3", "k4"}

// kvMix is the default workload: a mix of Get, Put and Append on 5 keys.
var kvMix = kvWorkload{keys: kvKeys, thinkMax: 20 * time.Millisecond}

// kvWorkParams size the workload of the scenarios built on kvMix: the
// clients and the keys they share, both shrinkable by -minimize.
func kvWorkParams(clients int) []scenarios.Param {
	return []scenarios.Param{
		{Name: "clients", Default: strconv.Itoa(clients), Doc: "number of clients", Min: 1, Max: 50, Shrink: true},
		{Name: "keys", Default: "5", Doc: "number of keys the clients share", Min: 1, Max: 26, Shrink: true},
	}
}

// kvSeconds is how long a scenario's clients (and faults) run, in
// seconds: shrinkable by -minimize.
func kvSeconds(def int) scenarios.Param {
	return scenarios.Param{Name: "seconds", Default: strconv.Itoa(def), Doc: "seconds of operations (and of faults)", Min: 1, Max: 3600, Shrink: true}
}

// kvRounds is how many rounds of crashes a scenario runs.
var kvRounds = scenarios.Param{Name: "rounds", Default: "5", Doc: "rounds of crashing every server", Min: 1, Max: 1000, Shrink: true}

// kvLogParam chooses the consensus log the servers replicate through.
var kvLogParam = harness.LogParam

// kvMixParam chooses the operations of a scenario built on kvMix.
var kvMixParam = scenarios.Param{Name: "mix", Default: "mixed", Doc: "the clients' operations: mixed (Get, Put and Append), appends (Append only) or puts (Put only)"}

// kvMixOf is kvMix over the run's number of keys (k0, k1, …), with the
// operations the scenario's mix parameter asks for, if it has one.
func kvMixOf(c *scenarios.Case) kvWorkload {
	w := kvMix
	if c.HasParam("mix") {
		switch m := c.Param("mix"); m {
		case "mixed":
		case "appends":
			w.appendOnly = true
		case "puts":
			w.putOnly = true
		default:
			c.BadInput("mix=%q: want mixed, appends or puts", m)
		}
	}
	w.keys = nil
	for i := 0; i < c.IntParam("keys"); i++ {
		w.keys = append(w.keys, fmt.Sprintf("k%d", i))
	}
	return w
}

func init() {
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/basic",
		Params:    []scenarios.Param{kvLogParam},
		Summary:   "3 servers, 1 client, reliable network: 3 s of operations, each answered; linearizable; done within 5 s",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{}, 3, 0, nil)
			kc.addClients(1, kvMix, nil)
			kc.Run(3 * time.Second)
			kc.finish(5 * time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/concurrent",
		Params:    append(kvWorkParams(5), kvSeconds(3), kvLogParam),
		Summary:   "5 servers, 5 clients on shared keys, reliable network: 3 s of operations; linearizable; done within 5 s",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{}, 5, 0, nil)
			kc.addClients(c.IntParam("clients"), kvMixOf(c), nil)
			kc.Run(time.Duration(c.IntParam("seconds")) * time.Second)
			kc.finish(5 * time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/unreliable",
		Params:    append(kvWorkParams(5), kvSeconds(3), kvLogParam),
		Summary: "5 servers, 5 clients on a network losing 10%, duplicating 10% and delaying up to 27 ms: " +
			"linearizable; done within 10 s",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{Link: &lossyDupLink}, 5, 0, nil)
			kc.addClients(c.IntParam("clients"), kvMixOf(c), nil)
			kc.Run(time.Duration(c.IntParam("seconds")) * time.Second)
			kc.finish(10 * time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/one-key-appends",
		Params:    []scenarios.Param{kvWorkParams(5)[0], kvSeconds(3), kvLogParam},
		Summary: "5 clients append to one key on an unreliable network: every answered append is applied exactly once " +
			"(one never answered at most once), in an order consistent with each client's; linearizable",
		Run: func(c *scenarios.Case) { runKVOneKeyAppends(c, kv.NewServer) },
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/minority-leader",
		Params:    []scenarios.Param{kvLogParam},
		Summary: "5 servers, the leader (on Paxos, s0) cut off with one other: requests to the minority get no answer for 1 s " +
			"while the majority serves; after healing they are answered within 3 s; linearizable",
		Run:         runMinorityLeader,
		FixedFaults: "it checks that the minority its own partition cuts off answers nothing",
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/memory",
		Params:    []scenarios.Param{kvLogParam},
		Summary: "3 servers snapshotting at 1 MB of log, one client putting twenty 1 MB values to one key: within 5 s " +
			"every server's log holds under 3 MB (on Paxos: its acceptor file, with at most 3 instances in memory); linearizable",
		Run: runKVMemory,
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/holes",
		Params:    []scenarios.Param{{Name: "log", Default: "paxos", Doc: "paxos only: on Raft the one server it reads through is a follower, which does not answer"}},
		Summary: "5 servers, s0 and s1 cut off for 2 s while 3 clients write through the others, so that s0 misses " +
			"instances; healed, a client that talks only to s0 reads every key: s0 fills what it missed first; " +
			"linearizable, done within 5 s",
		Run: runKVHoles,
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/partitions",
		Params:    append(kvWorkParams(5), kvSeconds(5), kvLogParam),
		Summary: "5 servers, 5 clients, a new random partition (a majority and a minority) about every second " +
			"for 5 s; linearizable; done within 10 s of healing",
		Run: func(c *scenarios.Case) { runKVPartitions(c, kv.NewServer) },
	})
	for _, v := range []struct {
		name, summary          string
		partitions, unreliable bool
	}{
		{"kv/crash", "every server crashes and restarts every second", false, false},
		{"kv/crash-partitions", "every server crashes and restarts every second, under changing partitions", true, false},
		{"kv/crash-unreliable", "every server crashes and restarts every second, on an unreliable network", false, true},
		{"kv/crash-partitions-unreliable", "crashes of all servers, changing partitions and an unreliable network", true, true},
	} {
		v := v
		scenarios.Register(scenarios.Scenario{
			Histories: true,
			Name:      v.name,
			Params:    append(kvWorkParams(5), kvRounds, kvLogParam),
			Summary:   "5 servers, 5 clients: " + v.summary + " for 5 s; linearizable; done within 10 s after",
			Run:       func(c *scenarios.Case) { runKVCrashRounds(c, kvLink(v.unreliable), 0, v.partitions, false) },
		})
	}
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/speed",
		Summary: "3 servers, one client, 1,000 sequential operations: mean latency under 33 ms " +
			"(the leader does not wait for a heartbeat to replicate); linearizable",
		FixedFaults:   "its latency bound assumes a network that loses nothing",
		FixedStrategy: "its latency bound assumes no message is held back",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{}, 3, 0, nil)
			kc.waitLeader()
			cls := kc.addClients(1, kvWorkload{keys: kvKeys, maxOps: 1000}, nil)
			kc.Bind(nil)
			c.Must(kc.w.RunUntil(func() bool { return cls[0].Idle }, 60*time.Second, "1,000 operations"))
			var total time.Duration
			for _, l := range cls[0].latencies {
				total += l
			}
			if mean := total / time.Duration(len(cls[0].latencies)); mean >= 33*time.Millisecond {
				c.Failf("mean latency %v over %d operations, want under 33 ms", mean, len(cls[0].latencies))
			}
			kc.finish(time.Second)
		},
	})
}

// lossyDupLink loses and duplicates a tenth of the messages and delays up
// to 27 ms.
var lossyDupLink = sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 26 * time.Millisecond, Loss: 0.1, Dup: 0.1}

func kvLink(unreliable bool) sim.Config {
	if unreliable {
		return sim.Config{Link: &lossyDupLink}
	}
	return sim.Config{}
}

// finalGet reads key through client cl once every client is idle.
func (kc *kvCluster) finalGet(cl *kvClient, key string) string {
	var value string
	done := false
	kc.w.Invoke(cl.ID, "final get", func(env node.Env) {
		cl.issue(env, kv.Op{Kind: kv.Get, Key: key}, func(env node.Env, v string) { value, done = v, true })
	})
	kc.c.Must(kc.w.RunUntil(func() bool { return done }, 10*time.Second, "the final read"))
	return value
}

// checkAppends checks the appends of the history (each appending its own
// token, "c<client>.<n> ") against value, what the key holds once they are
// all done: an append that was answered appears in it exactly once, one
// never answered at most once (it may or may not have applied), and each
// client's appear in the order it made them.
func checkAppends(c *scenarios.Case, value string, ops []checker.Op) {
	last := map[int]int{} // by client, where its latest append found begins
	for _, op := range ops {
		in, ok := op.Input.(checker.KVInput)
		if !ok || in.Op != checker.Append {
			continue
		}
		switch k := strings.Count(value, in.Value); {
		case k > 1:
			c.Failf("append %q applied %d times", in.Value, k)
		case k == 0 && op.Done:
			c.Failf("append %q was answered but is not in the final value: it was lost", in.Value)
			continue
		case k == 0:
			continue // never answered: it may not have applied
		}
		at := strings.Index(value, in.Value)
		if prev, ok := last[op.Client]; ok && at < prev {
			c.Failf("client %d's append %q comes before an append it made earlier", op.Client, in.Value)
		}
		last[op.Client] = at
	}
}

// repartition splits the servers into a random majority and minority, and
// the clients between them, about every second for d, then heals.
func (kc *kvCluster) repartition(c *scenarios.Case, d time.Duration) {
	r := c.Rand("partitions")
	end := kc.w.Now() + d
	for kc.w.Now() < end {
		a, b := kc.split(r)
		kc.Fault("partition", kc.nameAll(a)+"|"+kc.nameAll(b))
		kc.Run(r.Duration(800*time.Millisecond, 1200*time.Millisecond))
	}
	kc.Fault("heal")
}

// split draws a majority and a minority of the servers, and puts each
// client on one side or the other.
func (kc *kvCluster) split(r *node.Rand) (majority, minority []node.ID) {
	perm := r.Perm(len(kc.servers))
	for i, p := range perm {
		if i < len(kc.servers)/2+1 {
			majority = append(majority, kc.servers[p])
		} else {
			minority = append(minority, kc.servers[p])
		}
	}
	for _, cl := range kc.clients {
		if r.Chance(0.5) {
			majority = append(majority, cl.ID)
		} else {
			minority = append(minority, cl.ID)
		}
	}
	return majority, minority
}

// crashRounds crashes every server and restarts it once a round, rounds
// times, about a second apart, optionally repartitioning too.
func (kc *kvCluster) crashRounds(c *scenarios.Case, rounds int, partitions bool) {
	r := c.Rand("crashes")
	for round := 0; round < rounds; round++ {
		if partitions {
			a, b := kc.split(r)
			kc.Fault("partition", kc.nameAll(a)+"|"+kc.nameAll(b))
		}
		kc.Run(r.Duration(700*time.Millisecond, 1300*time.Millisecond))
		for _, name := range kc.names {
			kc.Fault("crash", name)
		}
		kc.Run(r.Duration(0, 100*time.Millisecond))
		for _, name := range kc.names {
			kc.Fault("restart", name)
		}
	}
	kc.restoreAll()
}

func (kc *kvCluster) nameAll(ids []node.ID) string {
	var s []string
	for _, id := range ids {
		s = append(s, kc.w.Name(id))
	}
	return strings.Join(s, ",")
}

// runMinorityLeader cuts the leader off with one follower and checks that
// the minority answers nothing while the majority serves.
func runMinorityLeader(c *scenarios.Case) {
	kc := newKVCluster(c, sim.Config{}, 5, 0, nil)
	leader := kc.servers[0] // on Paxos, which has no leader, s0 and s1 are cut off
	if !kc.onPaxos() {
		kc.waitLeader()
		leader = kc.leader()
	}
	c.Must(kc.w.RunFor(500 * time.Millisecond)) // not kc.Run: the schedule is bound once the clients exist
	if !kc.onPaxos() {
		leader = kc.leader()
	}
	minority := []node.ID{leader, kc.servers[(int(leader)+1)%5]}
	var majority []node.ID
	for _, id := range kc.servers {
		if id != minority[0] && id != minority[1] {
			majority = append(majority, id)
		}
	}
	// A client on each side of the partition.
	onMajority := kc.addClients(1, kvWorkload{keys: kvKeys, maxOps: 1}, nil)[0]
	onMinority := kc.addClients(1, kvWorkload{keys: kvKeys, maxOps: 1}, nil)[0]
	kc.Bind(nil)
	kc.Fault("partition", kc.nameAll(append(minority, onMinority.ID))+"|"+kc.nameAll(append(majority, onMajority.ID)))
	kc.Run(time.Millisecond) // the clients start their one operation
	c.Check(kc.w.RunUntil(func() bool { return onMajority.Idle }, 5*time.Second, "the majority answering"))
	if kc.w.RunUntil(func() bool { return onMinority.Idle }, time.Second, "a minority answer") == nil {
		c.Failf("the minority answered a request while cut off from the majority")
	}
	kc.Fault("heal")
	c.Check(kc.w.RunUntil(func() bool { return onMinority.Idle }, 3*time.Second, "the minority's request answered after healing"))
	kc.finish(5 * time.Second)
}

// runKVMemory is kv/memory.
func runKVMemory(c *scenarios.Case) {
	const mb = 1 << 20
	kc := newKVCluster(c, sim.Config{}, 3, mb, nil)
	cl := kc.addClients(1, kvWorkload{keys: []string{"k"}, putOnly: true, valueBytes: mb, maxOps: 20}, nil)[0]
	kc.Bind(nil)
	c.Must(kc.w.RunUntil(func() bool { return cl.ops == 20 && cl.Idle }, 60*time.Second, "twenty 1 MB puts"))
	small := func() bool {
		for _, id := range kc.servers {
			s, ok := kc.server(id)
			switch {
			case !ok:
				return false
			case s.PaxosLog() != nil:
				if px := s.PaxosLog().Paxos(); px.PersistedSize() > 3*mb || px.Retained() > 3 {
					return false
				}
			case s.Raft() != nil && s.Raft().PersistedSize() > 3*mb:
				return false
			}
		}
		return true
	}
	c.Check(kc.w.RunUntil(small, 5*time.Second, "every server's log under 3 MB after twenty 1 MB puts"))
	for _, id := range kc.servers {
		if s, ok := kc.server(id); ok && s.PaxosLog() != nil {
			px := s.PaxosLog().Paxos()
			c.Reportf("%s: Paxos file %d bytes, %d instances in memory", kc.w.Name(id), px.PersistedSize(), px.Retained())
		} else if ok {
			c.Reportf("%s: Raft state %d bytes", kc.w.Name(id), s.Raft().PersistedSize())
		}
	}
	kc.finish(5 * time.Second)
}

// runKVHoles is kv/holes: a server that missed what the others agreed on
// must catch up before it answers.
func runKVHoles(c *scenarios.Case) {
	kc := newKVCluster(c, sim.Config{}, 5, 0, nil)
	writers := kc.addClients(3, kvWorkload{keys: kvKeys, putOnly: true, thinkMax: 20 * time.Millisecond}, kc.servers[2:])
	if !kc.onPaxos() {
		c.BadInput("kv/holes reads through one server, which on Raft is a follower that does not answer: it runs on Paxos only")
	}
	reader := kc.addClients(1, kvWorkload{keys: kvKeys, maxOps: -1}, kc.servers[:1])[0] // it reads below, after the heal
	kc.Bind(nil)
	kc.Fault("partition", "s0,s1,"+kc.nameAll([]node.ID{reader.ID})+"|s2,s3,s4,"+kc.nameAll([]node.ID{writers[0].ID, writers[1].ID, writers[2].ID}))
	kc.Run(2 * time.Second)
	kc.requireHoles(kc.servers[0], kc.servers[2:])
	kc.Fault("heal")
	kc.nodes.Stopping = true
	c.Must(kc.w.RunUntil(func() bool {
		for _, w := range writers {
			if !w.Idle {
				return false
			}
		}
		return true
	}, 5*time.Second, "the writers' last operations"))
	kc.nodes.Stopping = false
	done := false
	var readAll func(env node.Env, i int)
	readAll = func(env node.Env, i int) {
		if i == len(kvKeys) {
			done = true
			return
		}
		reader.issue(env, kv.Op{Kind: kv.Get, Key: kvKeys[i]}, func(env node.Env, _ string) { readAll(env, i+1) })
	}
	kc.w.Invoke(reader.ID, "read every key", func(env node.Env) { readAll(env, 0) })
	c.Check(kc.w.RunUntil(func() bool { return done }, 5*time.Second, "s0 answering a read of every key"))
	kc.finish(5 * time.Second)
}

// requireHoles fails the run unless server id has applied fewer Paxos
// instances than one of others, whose side of the partition went on: it
// has holes to fill, which is what kv/holes is about. Under a schedule
// given with -faults it only reports.
func (kc *kvCluster) requireHoles(id node.ID, others []node.ID) {
	behind, most := 0, 0
	if l, ok := kc.watch.Paxos(id); ok {
		behind = l.Applied()
	}
	for _, o := range others {
		if l, ok := kc.watch.Paxos(o); ok {
			most = max(most, l.Applied())
		}
	}
	if most <= behind {
		kc.notExercised(fmt.Sprintf("%s has applied %d instances and the others at most %d: it missed nothing to fill", kc.w.Name(id), behind, most))
		return
	}
	kc.c.Reportf("%s missed %d instances while cut off", kc.w.Name(id), most-behind)
}

// runKVPartitions is kv/partitions over the given servers.
func runKVPartitions(c *scenarios.Case, server kvServer) {
	kc := newKVClusterOf(c, server, sim.Config{}, 5, 0, nil)
	kc.addClients(c.IntParam("clients"), kvMixOf(c), nil)
	kc.repartition(c, time.Duration(c.IntParam("seconds"))*time.Second)
	kc.finish(10 * time.Second)
}

// runKVOneKeyAppends is kv/one-key-appends over the given servers.
func runKVOneKeyAppends(c *scenarios.Case, server kvServer) {
	kc := newKVClusterOf(c, server, sim.Config{Link: &lossyDupLink}, 5, 0, nil)
	cls := kc.addClients(c.IntParam("clients"), kvWorkload{keys: []string{"k"}, appendOnly: true, thinkMax: 10 * time.Millisecond}, nil)
	kc.Run(time.Duration(c.IntParam("seconds")) * time.Second)
	kc.finish(10 * time.Second)
	value := kc.finalGet(cls[0], "k")
	checkAppends(c, value, kc.nodes.History.Ops())
}

// runKVCrashRounds runs 5 clients against 5 servers (snapshotting at
// maxRaftState, if not 0, with the size bounds watched) through 5 rounds of
// crashing every server, optionally under changing partitions, then
// requires the clients to finish within 10 s and checks the history. With
// snapshotFirst the rounds begin once a server has snapshotted (10 s at
// most), so that every crash has snapshots to recover from.
func runKVCrashRounds(c *scenarios.Case, cfg sim.Config, maxRaftState int, partitions, snapshotFirst bool) *kvCluster {
	kc := newKVCluster(c, cfg, 5, maxRaftState, nil)
	kc.addClients(c.IntParam("clients"), kvMixOf(c), nil)
	if maxRaftState > 0 {
		watchRaftSize(c, kc)
	}
	if snapshotFirst {
		kc.untilSnapshot(10 * time.Second)
	}
	kc.crashRounds(c, c.IntParam("rounds"), partitions)
	kc.finish(10 * time.Second)
	return kc
}
