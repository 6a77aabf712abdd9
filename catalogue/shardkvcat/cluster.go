package shardkvcat

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
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// skvCluster is the harness of the shardkv/... scenarios: a controller of
// three servers ctl0–ctl2, replica groups 1, 2, … of three servers each
// (g1s0, g1s1, g1s2, …), an admin node that joins and leaves groups, and
// client nodes c0, … each embedding a clerk, with every client operation
// recorded. After every event it checks the Raft of the controller and of
// every group, that every answer a client receives comes from the owner of
// its shard in the configuration its group was in (oracles.go), and that
// no client write is applied twice.
type skvCluster struct {
	*harness.Faults
	c       *scenarios.Case
	w       *sim.World
	nShards int
	opts    skvOptions

	ctrl      []node.ID
	ctrlNames []string
	ctrlWatch *harness.Watch
	groups    []*skvGroup // groups[i] has GID i+1
	admin     *skvAdmin
	clients   []*skvClient
	nodes     *harness.Clients[*watchedClerk] // the clients as nodes, and their history

	oracles
}

// skvOptions shape a cluster.
type skvOptions struct {
	groups       int
	maxRaftState int
	link         *sim.LinkConfig
	cpu          time.Duration // > 0: the CPU model on, each handler call costing this much
	nShards      int           // 0: shardctrler.DefaultNShards
	clerkRetry   time.Duration // a clerk's wait for an answer; 0: 100 ms
	// server builds group servers: shardkv.NewServer, or a broken
	// variant in tests.
	server func(shardkv.ServerConfig) node.Factory
}

// skvGroup is one replica group.
type skvGroup struct {
	gid   int
	ids   []node.ID
	names []string
	watch *harness.Watch
}

// skvAdmin is the node that changes the configuration.
type skvAdmin struct {
	id node.ID
	ck *shardctrler.Clerk
}

func (a *skvAdmin) Handle(env node.Env, ev node.Event) { a.ck.Handle(env, ev) }

// skvMaxRaftState is the snapshot threshold of the scenarios that
// snapshot.
const skvMaxRaftState = 1000

// newSKVCluster builds the cluster; its schedule is bound once every node
// exists (the scenario's unreliable network as actions at 0 s, and the
// roles), at the first run, fault or finish.
func newSKVCluster(c *scenarios.Case, o skvOptions) *skvCluster {
	if o.server == nil {
		o.server = shardkv.NewServer
	}
	simCfg := sim.Config{Link: o.link}
	if o.cpu > 0 {
		simCfg.CPU = sim.CPUConfig{Enabled: true, PerEvent: o.cpu}
	}
	w, faults := harness.NewWorld(c, simCfg)
	kc := &skvCluster{Faults: faults, c: c, w: w, nShards: shardctrler.DefaultNShards, opts: o}
	if o.nShards > 0 {
		kc.nShards = o.nShards
	}
	kc.nodes = harness.NewClients[*watchedClerk](w)
	kc.startOracles()
	next := node.ID(0)
	ids := func(n int) []node.ID {
		out := make([]node.ID, n)
		for i := range out {
			out[i] = next
			next++
		}
		return out
	}
	kc.ctrl = ids(3)
	for i := range kc.ctrl {
		kc.ctrlNames = append(kc.ctrlNames, fmt.Sprintf("ctl%d", i))
	}
	log := harness.LogOf(c)
	kc.ctrlWatch = log.Watch(kc.w, "the controller", kc.ctrl)
	for i, id := range kc.ctrl {
		cfg := shardctrler.ServerConfig{Raft: raft.Config{Peers: kc.ctrl}, NShards: kc.nShards, Paxos: log.PaxosConfig(kc.ctrl)}
		kc.w.AddNode(kc.ctrlNames[i], kc.ctrlWatch.Factory(id, shardctrler.NewServer(cfg)))
	}
	kc.Role("ctl-leader", kc.ctrlNames, func() int { return slices.Index(kc.ctrl, kc.ctrlWatch.Leader()) })
	for gi := 0; gi < o.groups; gi++ {
		g := &skvGroup{gid: gi + 1, ids: ids(3)}
		for i := range g.ids {
			g.names = append(g.names, fmt.Sprintf("g%ds%d", g.gid, i))
		}
		g.watch = log.Watch(kc.w, fmt.Sprintf("group %d", g.gid), g.ids)
		cfg := shardkv.ServerConfig{GID: g.gid, Raft: raft.Config{Peers: g.ids}, Controllers: kc.ctrl, NShards: kc.nShards, MaxRaftState: o.maxRaftState, Paxos: log.PaxosConfig(g.ids)}
		for i, id := range g.ids {
			f := o.server(cfg)
			gid := g.gid
			kc.w.AddNode(g.names[i], g.watch.Factory(id, func() node.Handler { return &groupWatch{kc: kc, gid: gid, inner: f()} }))
		}
		kc.Role(fmt.Sprintf("g%d-leader", g.gid), g.names, func() int { return slices.Index(g.ids, g.watch.Leader()) })
		kc.groups = append(kc.groups, g)
	}
	kc.admin = &skvAdmin{id: next}
	kc.w.AddNode("admin", func() node.Handler {
		kc.admin.ck = shardctrler.NewClerk(kc.ctrl, 0)
		return kc.admin
	})
	kc.Describe(kc.describe)
	return kc
}

// --- configuration changes ---------------------------------------------

func (kc *skvCluster) groupsOf(gids []int) []shardctrler.Group {
	var out []shardctrler.Group
	for _, gid := range gids {
		g := kc.groups[gid-1]
		out = append(out, shardctrler.Group{GID: gid, Servers: g.ids})
	}
	return out
}

// join has the admin join groups and waits for the controller's answer.
func (kc *skvCluster) join(gids ...int) {
	kc.adminDo(fmt.Sprintf("join %v", gids), func(env node.Env, done func(env node.Env, cfg shardctrler.Config)) {
		kc.admin.ck.Join(env, kc.groupsOf(gids), done)
	})
}

// leave has the admin remove groups.
func (kc *skvCluster) leave(gids ...int) {
	kc.adminDo(fmt.Sprintf("leave %v", gids), func(env node.Env, done func(env node.Env, cfg shardctrler.Config)) {
		kc.admin.ck.Leave(env, gids, done)
	})
}

func (kc *skvCluster) adminDo(what string, op func(env node.Env, done func(env node.Env, cfg shardctrler.Config))) {
	kc.Bind(nil)
	done := false
	kc.w.Invoke(kc.admin.id, what, func(env node.Env) {
		op(env, func(node.Env, shardctrler.Config) { done = true })
	})
	kc.c.Must(kc.w.RunUntil(func() bool { return done }, 20*time.Second, "the controller answering "+what))
}

// --- faults ------------------------------------------------------------

// shutdown crashes every server of group gid (they keep their disks).
func (kc *skvCluster) shutdown(gid int) {
	for _, id := range kc.groups[gid-1].ids {
		if kc.w.Up(id) {
			kc.Fault("crash", kc.w.Name(id))
		}
	}
}

// start restarts every server of group gid that is down.
func (kc *skvCluster) start(gid int) {
	for _, id := range kc.groups[gid-1].ids {
		if !kc.w.Up(id) {
			kc.Fault("restart", kc.w.Name(id))
		}
	}
}

// crashServer crashes server i of every group, or restarts it.
func (kc *skvCluster) crashServer(i int, up bool) {
	for _, g := range kc.groups {
		switch {
		case up && !kc.w.Up(g.ids[i]):
			kc.Fault("restart", g.names[i])
		case !up && kc.w.Up(g.ids[i]):
			kc.Fault("crash", g.names[i])
		}
	}
}

// serverNames lists every group server's name.
func (kc *skvCluster) serverNames() []string {
	var out []string
	for _, g := range kc.groups {
		out = append(out, g.names...)
	}
	return out
}

// --- checks ------------------------------------------------------------

// watchStorage fails the run if a group server's persisted Raft state
// ever exceeds 8 × the snapshot threshold.
func (kc *skvCluster) watchStorage() {
	limit := 8 * kc.opts.maxRaftState
	kc.w.Observe("raft state within 8 × the snapshot threshold", func() error {
		for _, g := range kc.groups {
			for _, id := range g.ids {
				if rf, ok := g.watch.Raft(id); ok {
					if n := rf.PersistedSize(); n > limit {
						return fmt.Errorf("%s holds %d bytes of Raft state, more than 8 × %d", kc.w.Name(id), n, kc.opts.maxRaftState)
					}
				}
			}
		}
		return nil
	})
}

// notExercised fails the run for not having done what its scenario is
// about; under a schedule given with -faults, which may well keep it from
// happening, it reports it instead.
func (kc *skvCluster) notExercised(msg string) {
	if kc.c.FaultsReplaced() {
		kc.c.Reportf("%s (the faults came from -faults)", msg)
		return
	}
	kc.c.Failf("%s", msg)
}

// requireSnapshots fails the run if no group server ever held a snapshot:
// a scenario that says its groups snapshot would not have tested it.
func (kc *skvCluster) requireSnapshots() {
	for _, g := range kc.groups {
		if g.watch.SawSnapshot {
			return
		}
	}
	kc.notExercised(fmt.Sprintf("no group server ever held a snapshot, at a threshold of %d bytes: the scenario did not exercise snapshots", kc.opts.maxRaftState))
}

// appliedConfigs is, for each group, the latest configuration any of its
// running servers has applied.
func (kc *skvCluster) appliedConfigs() []int {
	out := make([]int, len(kc.groups))
	for gi, g := range kc.groups {
		for _, id := range g.ids {
			if s, ok := kc.server(id); ok {
				out[gi] = max(out[gi], s.Config().Num)
			}
		}
	}
	return out
}

// requireCaughtUp fails the run unless server i of every group has applied
// at least the configuration want (from appliedConfigs) gives its group:
// what its group had applied when it restarted, having missed it.
func (kc *skvCluster) requireCaughtUp(i int, want []int) {
	var caught []string
	for gi, g := range kc.groups {
		s, ok := kc.server(g.ids[i])
		switch {
		case !ok:
			kc.notExercised(fmt.Sprintf("%s is down: it cannot catch up", g.names[i]))
		case s.Config().Num < want[gi]:
			kc.notExercised(fmt.Sprintf("%s has applied configuration %d; its group had applied %d when it restarted: it has not caught up", g.names[i], s.Config().Num, want[gi]))
		default:
			caught = append(caught, fmt.Sprintf("%s %d (%d)", g.names[i], s.Config().Num, want[gi]))
		}
	}
	kc.c.Reportf("restarted servers caught up, configuration applied (its group's at the restart): %s", strings.Join(caught, ", "))
}

// requireOneHolder fails the run if servers of two groups hold keys of one
// shard: a shard moved away must be deleted where it was.
func (kc *skvCluster) requireOneHolder() {
	for i := 0; i < kc.nShards; i++ {
		var holders []string
		for _, g := range kc.groups {
			for _, id := range g.ids {
				if s, ok := kc.server(id); ok && s.ShardKeys(i) > 0 {
					holders = append(holders, fmt.Sprintf("%s (%d keys, %s)", kc.w.Name(id), s.ShardKeys(i), s.ShardState(i)))
					break
				}
			}
		}
		if len(holders) > 1 {
			kc.c.Failf("shard %d is held by servers of %d groups: %s; a moved shard must be deleted where it was", i, len(holders), strings.Join(holders, ", "))
		}
	}
}

// requireUnserved fails the run if a server of group gid serves one of
// shards, which group from, shut down, held last: without it their data
// cannot have moved.
func (kc *skvCluster) requireUnserved(gid int, shards []int, from int) {
	pulling := 0
	for _, id := range kc.groups[gid-1].ids {
		s, ok := kc.server(id)
		if !ok {
			continue
		}
		for _, i := range shards {
			if s.ShardState(i) == shardkv.Pulling {
				pulling++
			}
			if st := s.ShardState(i); st == shardkv.Serving || st == shardkv.Collecting {
				kc.c.Failf("%s serves shard %d (%s) in configuration %d, although group %d, which held it, is down: its data cannot have moved", kc.w.Name(id), i, st, s.Config().Num, from)
			}
		}
	}
	kc.c.Reportf("group %d's servers wait for group %d's %d shards (%d pulling of %d)", gid, from, len(shards), pulling, len(shards)*len(kc.groups[gid-1].ids))
}

// storage sums Raft state and snapshots over every group server.
func (kc *skvCluster) storage() (raftState, snapshots int) {
	for _, g := range kc.groups {
		r, s := g.watch.PersistedSize()
		raftState, snapshots = raftState+r, snapshots+s
	}
	return raftState, snapshots
}

// diskBytes sums what every group server keeps on its disk.
func (kc *skvCluster) diskBytes() int {
	n := 0
	for _, g := range kc.groups {
		for _, id := range g.ids {
			n += kc.w.DiskSize(id)
		}
	}
	return n
}

// finish stops the workloads, requires every client's operation to
// complete within limit, and checks the history.
func (kc *skvCluster) finish(limit time.Duration) {
	kc.Bind(nil)
	kc.c.Check(kc.nodes.Drain(limit))
	kc.c.CheckLinearizable("shardkv", checker.KVModel, kc.nodes.History.Ops())
}

// describe says where the controller, every group and every client
// stand.
func (kc *skvCluster) describe() string {
	parts := []string{kc.ctrlWatch.Describe()}
	for _, g := range kc.groups {
		line := g.watch.Describe()
		for _, id := range g.ids {
			if s, ok := kc.server(id); ok {
				var states []string
				for i := 0; i < kc.nShards; i++ {
					if st := s.ShardState(i); st != shardkv.Absent {
						states = append(states, fmt.Sprintf("%d %s", i, st))
					}
				}
				if len(states) == 0 {
					states = []string{"none"}
				}
				line += fmt.Sprintf("; %s applied configuration %d, shards %s", kc.w.Name(id), s.Config().Num, strings.Join(states, ", "))
			}
		}
		parts = append(parts, line)
	}
	var busy []string
	for _, cl := range kc.clients {
		if cl.Clerk.Busy() {
			busy = append(busy, fmt.Sprintf("%s (%s, configuration %d)", cl.Name(), cl.current, cl.Clerk.Config().Num))
		}
	}
	if len(busy) > 0 {
		parts = append(parts, "clients waiting: "+strings.Join(busy, ", "))
	}
	return strings.Join(parts, "; ")
}

// server returns a running group server.
func (kc *skvCluster) server(id node.ID) (*shardkv.Server, bool) {
	h := kc.w.Handler(id)
	h = node.Unwrap(h)
	s, ok := h.(*shardkv.Server)
	return s, ok && kc.w.Up(id)
}

// query asks the controller, through the admin, for the latest
// configuration.
func (kc *skvCluster) query() shardctrler.Config {
	var cfg shardctrler.Config
	kc.adminDo("query", func(env node.Env, done func(env node.Env, cfg shardctrler.Config)) {
		kc.admin.ck.Query(env, -1, func(env node.Env, c shardctrler.Config) { cfg = c; done(env, c) })
	})
	return cfg
}

// keys is "0", "1", …: n keys, the first ten one per shard.
func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

// joinAsync and leaveAsync ask for a change without waiting for it (the
// controller may be down under a swarm's faults). A change still in
// progress makes them do nothing and report false.
func (kc *skvCluster) joinAsync(gid int) bool {
	return kc.adminAsync(fmt.Sprintf("join [%d]", gid), func(env node.Env) {
		kc.admin.ck.Join(env, kc.groupsOf([]int{gid}), func(node.Env, shardctrler.Config) {})
	})
}

func (kc *skvCluster) leaveAsync(gid int) bool {
	return kc.adminAsync(fmt.Sprintf("leave [%d]", gid), func(env node.Env) {
		kc.admin.ck.Leave(env, []int{gid}, func(node.Env, shardctrler.Config) {})
	})
}

func (kc *skvCluster) adminAsync(what string, op func(env node.Env)) bool {
	kc.Bind(nil)
	if kc.admin.ck.Busy() {
		return false
	}
	kc.w.Invoke(kc.admin.id, what, op)
	return true
}

// probe is a node that sends raw requests to group servers and keeps the
// answers.
type probe struct {
	kc      *skvCluster
	replies []rsm.Reply
}

func (p *probe) Handle(env node.Env, ev node.Event) {
	if m, ok := ev.(*node.Recv); ok {
		p.kc.clientReceived(env.Self(), m.From, m.Msg)
		if r, ok := m.Msg.(rsm.Reply); ok {
			p.replies = append(p.replies, r)
		}
	}
}

// checkWrongGroup sends group gid, bypassing any clerk, a read of one key
// of each shard in others (shards it does not serve), and fails the run
// unless its leader answers ErrWrongGroup.
func (kc *skvCluster) checkWrongGroup(gid int, ks []string, others []int) {
	p := &probe{kc: kc}
	id := kc.w.AddNode(fmt.Sprintf("probe%d", len(kc.w.Nodes())), func() node.Handler { return p })
	kc.Run(time.Millisecond) // its Start
	for _, k := range ks {
		if !slices.Contains(others, shardkv.Key2Shard(k, kc.nShards)) {
			continue
		}
		p.replies = nil
		seq := uint64(len(kc.w.Nodes()))
		kc.w.Invoke(id, "raw get "+k, func(env node.Env) {
			for _, s := range kc.groups[gid-1].ids {
				env.Send(s, rsm.Request{ClientID: 1<<62 | uint64(id), Seq: seq, Op: shardkv.Op{Kind: shardkv.Get, Key: k}})
			}
		})
		var got *shardkv.Result
		kc.c.Check(kc.w.RunUntil(func() bool {
			for _, r := range p.replies {
				if res, ok := r.Result.(shardkv.Result); ok && !r.WrongLeader {
					got = &res
					return true
				}
			}
			return false
		}, 2*time.Second, fmt.Sprintf("group %d's leader answering a raw get of %q", gid, k)))
		if got != nil && got.Err != shardkv.ErrWrongGroup {
			kc.c.Failf("group %d answered a get of %q, whose shard %d it does not serve, with %+v; want %s", gid, k, shardkv.Key2Shard(k, kc.nShards), *got, shardkv.ErrWrongGroup)
		}
	}
}
