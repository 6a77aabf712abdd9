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
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// ctrlCluster is the harness of the shardctrler/... scenarios: controller
// servers s0.. and client nodes c0.. each embedding a clerk, a history of
// every operation, and the controller's log watched after every event.
type ctrlCluster struct {
	*harness.Faults
	c       *scenarios.Case
	w       *sim.World
	servers []node.ID
	names   []string
	watch   *harness.Watch
	clients []*ctrlClient
	nodes   *harness.Clients[*shardctrler.Clerk] // the clients as nodes, and their history
	nShards int
}

// ctrlServer builds controller servers: shardctrler.NewServer, or a broken
// variant in tests.
type ctrlServer func(shardctrler.ServerConfig) node.Factory

// ctrlClient is a client node: a clerk, one operation at a time.
type ctrlClient struct {
	*harness.Client[*shardctrler.Clerk]
	cc   *ctrlCluster
	load bool // issues random operations (load.go)
}

func newCtrlCluster(c *scenarios.Case, server ctrlServer, simCfg sim.Config, n, clients int) *ctrlCluster {
	w, faults := harness.NewWorld(c, simCfg)
	cc := &ctrlCluster{Faults: faults, c: c, w: w, nodes: harness.NewClients[*shardctrler.Clerk](w), nShards: shardctrler.DefaultNShards}
	for i := 0; i < n; i++ {
		cc.servers = append(cc.servers, node.ID(i))
		cc.names = append(cc.names, fmt.Sprintf("s%d", i))
	}
	log := harness.LogOf(c)
	cc.watch = log.Watch(cc.w, "the controller", cc.servers)
	cfg := shardctrler.ServerConfig{Raft: raft.Config{Peers: cc.servers}, NShards: cc.nShards, Paxos: log.PaxosConfig(cc.servers)}
	for i, id := range cc.servers {
		if got := cc.w.AddNode(cc.names[i], cc.watch.Factory(id, server(cfg))); got != id {
			panic("shardctrlercat: unexpected node IDs")
		}
	}
	for i := 0; i < clients; i++ {
		cl := &ctrlClient{cc: cc}
		cl.Client = cc.nodes.Add(func() *shardctrler.Clerk { return shardctrler.NewClerk(cc.servers, 0) }, cl.next)
		cc.clients = append(cc.clients, cl)
	}
	cc.Role("leader", cc.names, func() int { return slices.Index(cc.servers, cc.watch.Leader()) })
	cc.Describe(cc.describe)
	cc.Bind(nil)
	return cc
}

// start issues op from client cl, recording it; then gets the result
// inside the client's handler.
func (cc *ctrlCluster) start(cl *ctrlClient, op any, then func(node.Env, shardctrler.Result)) {
	cc.w.Invoke(cl.ID, fmt.Sprintf("%T", op), func(env node.Env) { cc.startIn(env, cl, op, then) })
}

// startIn issues op from within client cl's handler, recording it.
func (cc *ctrlCluster) startIn(env node.Env, cl *ctrlClient, op any, then func(node.Env, shardctrler.Result)) {
	end := cl.Call(ctrlInput{Op: op})
	cl.Clerk.Do(env, op, func(env node.Env, r shardctrler.Result) {
		end(r)
		then(env, r)
	})
}

// do runs op from client cl and waits up to 10 s for its result.
func (cc *ctrlCluster) do(cl *ctrlClient, op any) shardctrler.Result {
	var res shardctrler.Result
	done := false
	cc.start(cl, op, func(_ node.Env, r shardctrler.Result) { res, done = r, true })
	cc.c.Must(cc.w.RunUntil(func() bool { return done }, 10*time.Second, fmt.Sprintf("%T%+v answered", op, op)))
	return res
}

func (cc *ctrlCluster) query(num int) shardctrler.Config {
	return cc.do(cc.clients[0], shardctrler.QueryOp{Num: num}).Config
}

func (cc *ctrlCluster) join(gids ...int) shardctrler.Config {
	return cc.do(cc.clients[0], shardctrler.JoinOp{Groups: groups(gids...)}).Config
}

func (cc *ctrlCluster) leave(gids ...int) shardctrler.Config {
	return cc.do(cc.clients[0], shardctrler.LeaveOp{GIDs: gids}).Config
}

// groups names each group's servers after its GID: group 7 has servers
// 7001, 7002, 7003 (the controller only keeps the lists).
func groups(gids ...int) []shardctrler.Group {
	var out []shardctrler.Group
	for _, g := range gids {
		out = append(out, shardctrler.Group{GID: g, Servers: []node.ID{node.ID(g*1000 + 1), node.ID(g*1000 + 2), node.ID(g*1000 + 3)}})
	}
	return out
}

// checkConfig fails the run unless cfg holds exactly the groups gids, each
// with its server list, every shard is served by one of them (if any),
// and their shard counts differ by at most one.
func (cc *ctrlCluster) checkConfig(cfg shardctrler.Config, gids ...int) {
	gids = slices.Sorted(slices.Values(gids))
	if !slices.Equal(cfg.GIDs(), gids) {
		cc.c.Failf("%v: groups %v, want %v", cfg, cfg.GIDs(), gids)
		return
	}
	for _, g := range groups(gids...) {
		if !slices.Equal(cfg.Servers(g.GID), g.Servers) {
			cc.c.Failf("%v: group %d has servers %v, want %v", cfg, g.GID, cfg.Servers(g.GID), g.Servers)
		}
	}
	if len(gids) == 0 {
		return
	}
	lo, hi := len(cfg.Shards), 0
	for _, g := range gids {
		n := len(cfg.ShardsOf(g))
		lo, hi = min(lo, n), max(hi, n)
	}
	for s, g := range cfg.Shards {
		if !slices.Contains(gids, g) {
			cc.c.Failf("%v: shard %d has group %d, not a member", cfg, s, g)
		}
	}
	if hi-lo > 1 {
		cc.c.Failf("%v: shard counts range from %d to %d, more than one apart", cfg, lo, hi)
	}
}

// checkHistory checks every operation of the run against the model.
func (cc *ctrlCluster) checkHistory() {
	cc.c.CheckLinearizable("controller", ctrlModel(cc.nShards), cc.nodes.History.Ops())
}

// finish stops the workloads, waits up to limit for every client's
// operation to complete, then checks the history.
func (cc *ctrlCluster) finish(limit time.Duration) {
	cc.c.Check(cc.nodes.Drain(limit))
	cc.checkHistory()
}

// describe says where every server stands and which clients wait.
func (cc *ctrlCluster) describe() string {
	out := cc.watch.Describe()
	if busy := cc.nodes.Waiting(); len(busy) > 0 {
		out += "; clients waiting for an answer: " + strings.Join(busy, ", ")
	}
	return out
}
