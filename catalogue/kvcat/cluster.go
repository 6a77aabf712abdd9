package kvcat

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/raft"
)

// kvCluster is the harness of the kv/... scenarios: servers s0.. running
// kv.Server, client nodes c0.. running a kv.Clerk with a workload, a history
// recorder, and the consensus invariants over the servers' log. Its fault
// schedule is bound once every node exists: at the first run, fault or
// finish, or where the scenario calls Bind.
type kvCluster struct {
	*harness.Faults
	c       *scenarios.Case
	w       *sim.World
	servers []node.ID
	names   []string
	watch   *harness.Watch
	clients []*kvClient
	nodes   *harness.Clients[*kv.Clerk] // the clients as nodes, and their history
	// smallState says the workload keeps the store small, so snapshots
	// must be too.
	smallState bool
	// restores counts the snapshots servers restored from their own disk
	// as they restarted.
	restores int
	// once checks, on every event, that no request is applied twice
	// (oracles.go); nil for a workload whose values are not tokens.
	once *atMostOnce
}

// kvWorkload is what a client does.
type kvWorkload struct {
	keys       []string      // the keys it works on
	appendOnly bool          // only Append (else a mix of Get, Put, Append)
	putOnly    bool          // only Put, of "0" and "1" in turn
	thinkMax   time.Duration // pause between operations
	maxOps     int           // stop after this many (0: until told; -1: none of its own)
	valueBytes int           // with putOnly: values of this many bytes instead of "0" and "1"
}

// kvClient is a client node: a clerk, a workload, and the history.
type kvClient struct {
	*harness.Client[*kv.Clerk]
	kc        *kvCluster
	servers   []node.ID
	load      kvWorkload
	ops       int
	latencies []time.Duration
}

// kvServer builds kv servers: kv.NewServer, or a broken variant in tests.
type kvServer func(kv.ServerConfig) node.Factory

func newKVCluster(c *scenarios.Case, simCfg sim.Config, n int, maxRaftState int, tweak func(*raft.Config)) *kvCluster {
	return newKVClusterOf(c, kv.NewServer, simCfg, n, maxRaftState, tweak)
}

func newKVClusterOf(c *scenarios.Case, server kvServer, simCfg sim.Config, n int, maxRaftState int, tweak func(*raft.Config)) *kvCluster {
	w, faults := harness.NewWorld(c, simCfg)
	kc := &kvCluster{Faults: faults, c: c, w: w, nodes: harness.NewClients[*kv.Clerk](w)}
	for i := 0; i < n; i++ {
		kc.servers = append(kc.servers, node.ID(len(kc.w.Nodes())+i))
		kc.names = append(kc.names, fmt.Sprintf("s%d", i))
	}
	rcfg := raft.Config{Peers: kc.servers}
	if tweak != nil {
		tweak(&rcfg)
	}
	log := harness.LogOf(c)
	cfg := kv.ServerConfig{Raft: rcfg, MaxRaftState: maxRaftState, Paxos: log.PaxosConfig(kc.servers)}
	kc.watch = log.Watch(kc.w, "", kc.servers)
	for i, id := range kc.servers {
		kc.w.AddNode(kc.names[i], kc.watch.Factory(id, kc.countRestores(server(cfg))))
	}
	kc.Role("leader", kc.names, func() int { return slices.Index(kc.servers, kc.leader()) })
	kc.Describe(kc.describe)
	return kc
}

// addClients adds k clients running load against servers (nil: all).
func (kc *kvCluster) addClients(k int, load kvWorkload, servers []node.ID) []*kvClient {
	if servers == nil {
		servers = kc.servers
	}
	var added []*kvClient
	kc.watchAtMostOnce(load)
	for i := 0; i < k; i++ {
		cl := &kvClient{kc: kc, servers: servers, load: load}
		cl.Client = kc.nodes.Add(func() *kv.Clerk { return kv.NewClerk(cl.servers, 100*time.Millisecond) }, cl.next)
		kc.clients = append(kc.clients, cl)
		added = append(added, cl)
	}
	return added
}

// describe says where every server and client stands.
func (kc *kvCluster) describe() string {
	out := "servers: " + kc.watch.Describe()
	if busy := kc.nodes.Waiting(); len(busy) > 0 {
		out += "; clients waiting for an answer: " + strings.Join(busy, ", ")
	}
	return out
}

func (cl *kvClient) next(env node.Env) {
	if cl.kc.nodes.Stopping || cl.load.maxOps < 0 || (cl.load.maxOps > 0 && cl.ops >= cl.load.maxOps) {
		cl.Idle = true
		return
	}
	cl.Idle = false
	r := env.Rand()
	op := kv.Op{Key: cl.load.keys[r.IntN(len(cl.load.keys))], Value: fmt.Sprintf("c%d.%d ", cl.Index, cl.ops)}
	switch {
	case cl.load.appendOnly:
		op.Kind = kv.Append
	case cl.load.putOnly && cl.load.valueBytes > 0:
		op.Kind, op.Value = kv.Put, strings.Repeat(string(rune('a'+cl.ops%26)), cl.load.valueBytes)
	case cl.load.putOnly:
		op.Kind, op.Value = kv.Put, fmt.Sprint(cl.ops%2)
	default:
		op.Kind = []kv.Kind{kv.Get, kv.Put, kv.Append}[r.IntN(3)]
	}
	cl.kc.once.wrote(cl.Index, cl.ops, op)
	cl.ops++
	cl.issue(env, op, func(env node.Env, _ string) {
		cl.Think(env, r.Duration(0, cl.load.thinkMax))
	})
}

// issue runs one operation through the clerk, recording it.
func (cl *kvClient) issue(env node.Env, op kv.Op, then func(env node.Env, value string)) {
	end := cl.Call(checker.KVInput{Op: checker.KVOp(op.Kind), Key: op.Key, Value: op.Value})
	start := env.Now()
	cl.Clerk.Do(env, op, func(env node.Env, value string) {
		out := checker.KVOutput{}
		if op.Kind == kv.Get {
			out.Value = value
		}
		end(out)
		cl.latencies = append(cl.latencies, env.Now()-start)
		then(env, value)
	})
}

// onPaxos reports whether the servers replicate through Paxos.
func (kc *kvCluster) onPaxos() bool { return kc.watch.Log() == harness.Paxos }

// server returns a running server's handler.
func (kc *kvCluster) server(id node.ID) (*kv.Server, bool) {
	s, ok := node.Unwrap(kc.w.Handler(id)).(*kv.Server)
	return s, ok
}

// countRestores wraps a server's factory so that kc.restores counts the
// snapshots its restarted incarnations restore from their disk: rsm marks
// each snapshot it restores (rsm/snapshot-restored), and one marked while
// a restarted server handles its Start came from its own disk.
func (kc *kvCluster) countRestores(f node.Factory) node.Factory {
	return func() node.Handler { return restoreWatch{f(), kc} }
}

// restoreWatch is a server whose restarts kc counts the restores of.
type restoreWatch struct {
	node.Handler
	kc *kvCluster
}

func (h restoreWatch) Unwrap() node.Handler { return h.Handler }

func (h restoreWatch) Handle(env node.Env, ev node.Event) {
	if st, ok := ev.(*node.Start); ok && st.Restarted {
		env = restoreEnv{env, h.kc}
	}
	h.Handler.Handle(env, ev)
}

// restoreEnv is the Env of a restarted server's Start: it counts rsm's
// snapshot-restored marks.
type restoreEnv struct {
	node.Env
	kc *kvCluster
}

func (e restoreEnv) Mark(m node.Mark) {
	if m.Info().Name == "rsm/snapshot-restored" {
		e.kc.restores++
	}
	e.Env.Mark(m)
}

// leader returns a server that believes it leads in the highest term.
func (kc *kvCluster) leader() node.ID { return kc.watch.Leader() }

// waitLeader runs until some server leads, up to 5 s.
func (kc *kvCluster) waitLeader() node.ID {
	kc.c.Must(kc.w.RunUntil(func() bool { return kc.leader() != node.None }, 5*time.Second, "a leader"))
	return kc.leader()
}

// finish stops the clients, requires them to finish what they started
// within limit, and checks the history for linearizability.
func (kc *kvCluster) finish(limit time.Duration) {
	kc.Bind(nil)
	kc.c.Check(kc.nodes.Drain(limit))
	kc.c.CheckLinearizable("kv", checker.KVModel, kc.nodes.History.Ops())
}

// restoreAll heals the network, restores links and restarts every server.
func (kc *kvCluster) restoreAll() { kc.Fault("calm") }
