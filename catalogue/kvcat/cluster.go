package kvcat

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/raftwatch"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
)

// kvCluster is the harness of the kv/... scenarios: servers s0.. running
// kv.Server, client nodes c0.. running a kv.Clerk with a workload, a history
// recorder, and the consensus invariants over the servers' Raft.
type kvCluster struct {
	paxosWatch *raftwatch.Paxos // the agreement check when the servers replicate through Paxos; nil on Raft
	c          *scenarios.Case
	w          *sim.World
	servers    []node.ID
	names      []string
	clients    []*kvClient
	rec        *checker.Recorder
	check      *checker.Consensus
	views      []checker.LogView
	boots      map[node.ID]uint64
	stopping   bool // clients start no new operation
	// smallState says the workload keeps the store small, so snapshots
	// must be too.
	smallState bool
	// sawSnapshot records that some server held a snapshot at some point.
	sawSnapshot   bool
	serverFactory kvServer
	// link is the unreliable network the scenario starts with, if any;
	// applied says the run's schedule is bound (at the first addClients).
	link    *sim.LinkConfig
	applied bool
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
	kc        *kvCluster
	index     int
	servers   []node.ID
	load      kvWorkload
	ck        *kv.Clerk
	ops       int
	idle      bool
	latencies []time.Duration
}

type thinkTick struct{}

// kvServer builds kv servers: kv.NewServer, or a broken variant in tests.
type kvServer func(kv.ServerConfig) node.Factory

func newKVCluster(c *scenarios.Case, simCfg sim.Config, n int, maxRaftState int, tweak func(*raft.Config)) *kvCluster {
	return newKVClusterOf(c, kv.NewServer, simCfg, n, maxRaftState, tweak)
}

func newKVClusterOf(c *scenarios.Case, server kvServer, simCfg sim.Config, n int, maxRaftState int, tweak func(*raft.Config)) *kvCluster {
	link := simCfg.Link
	simCfg.Link = nil // given as schedule actions at 0s (see applyFaults)
	kc := &kvCluster{c: c, w: c.NewWorld(simCfg), check: checker.NewConsensus(), boots: map[node.ID]uint64{}, serverFactory: server, link: link}
	kc.rec = scenarios.NewRecorder(kc.w)
	for i := 0; i < n; i++ {
		kc.servers = append(kc.servers, node.ID(len(kc.w.Nodes())+i))
	}
	rcfg := raft.Config{Peers: kc.servers}
	if tweak != nil {
		tweak(&rcfg)
	}
	cfg := kv.ServerConfig{Raft: rcfg, MaxRaftState: maxRaftState}
	onPaxos := raftwatch.OnPaxos(c)
	if onPaxos {
		cfg.Paxos = raftwatch.PaxosConfig(kc.servers)
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s%d", i)
		kc.names = append(kc.names, name)
		id := kc.servers[i]
		f := func() node.Handler { kc.boots[id]++; return kc.serverFactory(cfg)() }
		kc.w.AddNode(name, f)
	}
	if onPaxos {
		none := func(node.Handler) *raft.Raft { return nil } // no Raft to watch
		kc.paxosWatch = raftwatch.WatchPaxos(raftwatch.New(kc.w, "the store", kc.servers, none), func(h node.Handler) *paxoslog.Log {
			if s, ok := h.(*kv.Server); ok {
				return s.PaxosLog()
			}
			return nil
		})
	} else {
		kc.w.Observe("raft safety", kc.observe)
	}
	return kc
}

// addClients adds k clients running load against servers (nil: all).
func (kc *kvCluster) addClients(k int, load kvWorkload, servers []node.ID) []*kvClient {
	if servers == nil {
		servers = kc.servers
	}
	var added []*kvClient
	for i := 0; i < k; i++ {
		cl := &kvClient{kc: kc, index: len(kc.clients), servers: servers, load: load}
		kc.clients = append(kc.clients, cl)
		added = append(added, cl)
		kc.w.AddNode(fmt.Sprintf("c%d", cl.index), func() node.Handler {
			cl.ck = kv.NewClerk(cl.servers, 100*time.Millisecond)
			return cl
		})
	}
	return added
}

// applyFaults binds the run's schedule once every node exists (at the
// first run, fault or finish, or where the scenario calls it): the
// scenario's unreliable network as actions at 0s, the "leader" role, and
// from then on the faults the script injects (fault).
func (kc *kvCluster) applyFaults() {
	if kc.applied {
		return
	}
	kc.applied = true
	kc.c.Role(kc.w, "leader", kc.names, func() int { return slices.Index(kc.servers, kc.leader()) })
	kc.c.Describe(kc.describe)
	var s scenarios.Schedule
	if kc.link != nil {
		s = scenarios.LinkSchedule(0, *kc.link)
	}
	kc.c.Apply(kc.w, s)
}

// describe says where every server and client stands.
func (kc *kvCluster) describe() string {
	var parts []string
	for i, id := range kc.servers {
		s, ok := kc.server(id)
		if ok && s.PaxosLog() != nil {
			l := s.PaxosLog()
			parts = append(parts, fmt.Sprintf("%s applied %d, snapshot at %d, Paxos Min %d Max %d", kc.names[i], l.Applied(), l.SnapshotIndex(), l.Paxos().Min(), l.Paxos().Max()))
			continue
		}
		if !ok || s.Raft() == nil {
			parts = append(parts, kc.names[i]+" down")
			continue
		}
		st := s.Raft().Status()
		parts = append(parts, fmt.Sprintf("%s %s term %d, log (%d, %d], commit %d", kc.names[i], st.Role, st.Term, st.FirstIndex, st.LastIndex, st.CommitIndex))
	}
	var busy []string
	for _, cl := range kc.clients {
		if cl.ck != nil && cl.ck.Busy() {
			busy = append(busy, fmt.Sprintf("c%d", cl.index))
		}
	}
	out := "servers: " + strings.Join(parts, "; ")
	if len(busy) > 0 {
		out += "; clients waiting for an answer: " + strings.Join(busy, ", ")
	}
	return out
}

// fault injects one fault through the run's schedule.
func (kc *kvCluster) fault(op string, args ...string) {
	kc.applyFaults()
	kc.c.Fault(kc.w, op, args...)
}

func (cl *kvClient) isIdle() bool { return cl.idle }

func (cl *kvClient) id() node.ID {
	id, _ := cl.kc.w.Lookup(fmt.Sprintf("c%d", cl.index))
	return id
}

// Handle implements node.Handler.
func (cl *kvClient) Handle(env node.Env, ev node.Event) {
	if cl.ck.Handle(env, ev) {
		return
	}
	switch ev.(type) {
	case *node.Start, *node.Timeout:
		cl.next(env)
	}
}

func (cl *kvClient) next(env node.Env) {
	kc := cl.kc
	if kc.stopping || cl.load.maxOps < 0 || (cl.load.maxOps > 0 && cl.ops >= cl.load.maxOps) {
		cl.idle = true
		return
	}
	cl.idle = false
	r := env.Rand()
	op := kv.Op{Key: cl.load.keys[r.IntN(len(cl.load.keys))], Value: fmt.Sprintf("c%d.%d ", cl.index, cl.ops)}
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
	cl.ops++
	cl.issue(env, op, func(env node.Env, _ string) {
		env.SetTimer(r.Duration(0, cl.load.thinkMax), thinkTick{})
	})
}

// issue runs one operation through the clerk, recording it.
func (cl *kvClient) issue(env node.Env, op kv.Op, then func(env node.Env, value string)) {
	in := checker.KVInput{Op: checker.KVOp(op.Kind), Key: op.Key, Value: op.Value}
	id := cl.kc.rec.Call(cl.index, in)
	start := env.Now()
	cl.ck.Do(env, op, func(env node.Env, value string) {
		out := checker.KVOutput{}
		if op.Kind == kv.Get {
			out.Value = value
		}
		cl.kc.rec.Return(id, out)
		cl.latencies = append(cl.latencies, env.Now()-start)
		then(env, value)
	})
}

func (kc *kvCluster) observe() error {
	kc.views = kc.views[:0]
	for _, id := range kc.servers {
		s, ok := kc.w.Handler(id).(*kv.Server)
		if !ok || s.Raft() == nil || s.Raft().Status().ID != id {
			continue
		}
		st := s.Raft().Status()
		kc.sawSnapshot = kc.sawSnapshot || st.FirstIndex > 0
		kc.views = append(kc.views, checker.LogView{Node: int(id), Incarnation: kc.boots[id], Term: st.Term,
			Leader: st.Role == raft.Leader, CommitIndex: st.CommitIndex, FirstIndex: st.FirstIndex,
			LastIndex: st.LastIndex, Entry: s.Raft().EntryAt})
	}
	return kc.check.Observe(kc.views)
}

// onPaxos reports whether the servers replicate through Paxos.
func (kc *kvCluster) onPaxos() bool { return kc.paxosWatch != nil }

// server returns a running server's handler.
func (kc *kvCluster) server(id node.ID) (*kv.Server, bool) {
	s, ok := kc.w.Handler(id).(*kv.Server)
	return s, ok
}

// leader returns a server that believes it leads in the highest term.
func (kc *kvCluster) leader() node.ID {
	best, bestTerm := node.None, -1
	for _, id := range kc.servers {
		if s, ok := kc.server(id); ok && s.Raft() != nil {
			if term, isLeader := s.Raft().State(); isLeader && term > bestTerm {
				best, bestTerm = id, term
			}
		}
	}
	return best
}

// waitLeader runs until some server leads, up to 5 s.
func (kc *kvCluster) waitLeader() node.ID {
	kc.c.Must(kc.w.RunUntil(func() bool { return kc.leader() != node.None }, 5*time.Second, "a leader"))
	return kc.leader()
}

// finish stops the clients, requires them to finish what they started
// within limit, and checks the history for linearizability.
func (kc *kvCluster) finish(limit time.Duration) {
	kc.applyFaults()
	kc.stopping = true
	err := kc.w.RunUntil(func() bool {
		for _, cl := range kc.clients {
			if cl.ck.Busy() {
				return false
			}
		}
		return true
	}, limit, "every client's last operation completing")
	kc.c.Check(err)
	kc.c.CheckLinearizable("kv", checker.KVModel, kc.rec.Ops())
}

// run advances virtual time.
func (kc *kvCluster) run(d time.Duration) {
	kc.applyFaults()
	kc.c.Must(kc.w.RunFor(d))
}

// restoreAll heals the network, restores links and restarts every server.
func (kc *kvCluster) restoreAll() { kc.fault("calm") }
