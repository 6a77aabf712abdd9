package pbservicecat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// pbCluster is the view service "vs", servers s1..sN and clients c0...,
// and the world's fault schedule.
type pbCluster struct {
	*harness.Faults
	c       *scenarios.Case
	w       *sim.World
	vs      node.ID
	servers []node.ID
	clients *harness.Clients[*pbservice.Clerk]
	wrap    func(h node.Handler) node.Handler // broken servers, in tests
	// allowStuck accepts clients that cannot finish when the view service
	// is stuck by its own rules (a primary that died before acknowledging
	// its view, or with no live backup): the design's limit, reported.
	allowStuck bool
}

// pbClient is a client node running a workload through a clerk.
type pbClient struct {
	*harness.Client[*pbservice.Clerk]
	pc      *pbCluster
	keys    []string
	appends bool // only appends (of unique values) instead of a mix
	ops     int
	values  []string // the values it appended, in order
}

func (cl *pbClient) next(env node.Env) {
	if cl.pc.clients.Stopping {
		cl.Idle = true
		return
	}
	cl.Idle = false
	r := env.Rand()
	key := cl.keys[r.IntN(len(cl.keys))]
	kind := []string{pbservice.Get, pbservice.Put, pbservice.Append}[r.IntN(3)]
	value := fmt.Sprintf("c%d.%d ", cl.Index, cl.ops)
	if cl.appends {
		kind = pbservice.Append
	}
	cl.ops++
	op := map[string]checker.KVOp{pbservice.Get: checker.Get, pbservice.Put: checker.Put, pbservice.Append: checker.Append}[kind]
	end := cl.Call(checker.KVInput{Op: op, Key: key, Value: value})
	cl.Clerk.Do(env, kind, key, value, func(env node.Env, got string) {
		out := checker.KVOutput{}
		if kind == pbservice.Get {
			out.Value = got
		}
		if kind == pbservice.Append {
			cl.values = append(cl.values, value)
		}
		end(out)
		cl.Think(env, r.Duration(0, 20*time.Millisecond))
	})
}

func newPBCluster(c *scenarios.Case, servers int, wrap func(node.Handler) node.Handler) *pbCluster {
	w, faults := harness.NewWorld(c, sim.Config{})
	pc := &pbCluster{Faults: faults, c: c, w: w, wrap: wrap, clients: harness.NewClients[*pbservice.Clerk](w)}
	pc.vs = pc.w.AddNode("vs", viewservice.NewServer())
	for i := 1; i <= servers; i++ {
		f := pbservice.NewServer(pc.vs)
		pc.servers = append(pc.servers, pc.w.AddNode(fmt.Sprintf("s%d", i), func() node.Handler {
			h := f()
			if pc.wrap != nil {
				h = pc.wrap(h)
			}
			return h
		}))
	}
	return pc
}

// addClients adds n clients working on keys.
func (pc *pbCluster) addClients(n int, keys []string, appends bool) []*pbClient {
	var out []*pbClient
	for i := 0; i < n; i++ {
		cl := &pbClient{pc: pc, keys: keys, appends: appends}
		cl.Client = pc.clients.Add(func() *pbservice.Clerk { return pbservice.NewClerk(pc.vs) }, cl.next)
		out = append(out, cl)
	}
	return out
}

// server is a running server's handler, unwrapped.
func (pc *pbCluster) server(id node.ID) *pbservice.Server {
	h := pc.w.Handler(id)
	h = node.Unwrap(h) // a test's broken variant around a server
	s, _ := h.(*pbservice.Server)
	return s
}

func (pc *pbCluster) view() viewservice.View {
	if s, ok := pc.w.Handler(pc.vs).(*viewservice.Server); ok {
		return s.View()
	}
	return viewservice.Empty()
}

// finish stops the clients, waits for their last operations, and checks
// the history.
func (pc *pbCluster) finish(limit time.Duration) {
	pc.Bind(nil)
	pc.clients.Stopping = true
	err := pc.w.RunUntil(func() bool {
		for _, cl := range pc.clients.All() {
			if !cl.Idle || cl.Clerk.Busy() {
				return false
			}
		}
		return true
	}, limit, "every client's last operation completing")
	if err != nil && pc.allowStuck {
		if s, ok := pc.w.Handler(pc.vs).(*viewservice.Server); ok && s.Stuck(pc.w.Clock(pc.vs)) {
			v := s.View()
			pc.c.Reportf("stuck, as the design allows: view %d's primary %s is dead or restarted (acknowledged: %v), and nobody may take over; clients wait", v.Viewnum, pc.w.Name(v.Primary), s.Acked())
			err = nil
		}
	}
	pc.c.Check(err)
	pc.c.CheckLinearizable("pbservice", checker.KVModel, pc.clients.History.Ops())
}

// waitView runs until the view has a primary and (if want) a backup, and
// the primary acknowledged it.
func (pc *pbCluster) waitView(backup bool, limit time.Duration) {
	pc.c.Must(pc.RunUntil(func() bool {
		s, ok := pc.w.Handler(pc.vs).(*viewservice.Server)
		if !ok {
			return false
		}
		v := s.View()
		return v.Primary != node.None && (!backup || v.Backup != node.None) && s.Acked()
	}, limit, "a view with a primary"+map[bool]string{true: " and a backup", false: ""}[backup]))
}
