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
	clients *harness.Clients[*pbClerk]
	broken  breakage // broken servers or view service, in tests
	// views holds the view service to the lab's rules, and oracle the
	// servers to theirs, on every event.
	views  *harness.ViewOracle
	oracle *pbOracle
	// allowStuck accepts clients that cannot finish when the view service
	// is stuck by its own rules (a primary that died before acknowledging
	// its view, or with no live backup): the design's limit, reported.
	allowStuck bool
}

// pbClient is a client node running a workload through a clerk.
type pbClient struct {
	*harness.Client[*pbClerk]
	pc      *pbCluster
	keys    []string
	appends bool // only appends (of unique values) instead of a mix
	ops     int
	values  []string // the values it appended, in order
}

// next starts the client's next operation, unless the clients stop.
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

// breakage is what a test breaks: each wrapper, when set, wraps every
// incarnation of the servers or of the view service.
type breakage struct {
	server, vs func(node.Handler) node.Handler
}

// newPBCluster makes the world of a scenario: the view service, servers
// s1..sN, broken as broken says, and the oracles watching every event.
func newPBCluster(c *scenarios.Case, servers int, broken breakage) *pbCluster {
	w, faults := harness.NewWorld(c, sim.Config{})
	pc := &pbCluster{Faults: faults, c: c, w: w, broken: broken, clients: harness.NewClients[*pbClerk](w)}
	pc.views, pc.oracle = harness.NewViewOracle(w), newPBOracle(w)
	pc.views.First = pc.oracle.rules.Founded
	vs := viewservice.NewServer()
	if broken.vs != nil {
		vs = func() node.Handler { return broken.vs(viewservice.NewServer()()) }
	}
	pc.vs = pc.w.AddNode("vs", pc.views.Watch(vs))
	pc.views.VS = pc.vs
	for i := 1; i <= servers; i++ {
		f := pbservice.NewServer(pc.vs)
		id := node.ID(len(pc.w.Nodes()))
		pc.servers = append(pc.servers, pc.w.AddNode(fmt.Sprintf("s%d", i), func() node.Handler {
			h := f()
			srv := h.(*pbservice.Server)
			if pc.broken.server != nil {
				h = pc.broken.server(h)
			}
			return &pbHost{h: h, srv: srv, pc: pc, id: id}
		}))
	}
	pc.w.Observe("the view service's rules", pc.views.Check)
	pc.w.Observe("primary/backup rules", pc.oracle.check)
	return pc
}

// idOf is the node of a server's incarnation h, or node.None once it is
// down or restarted.
func (pc *pbCluster) idOf(h *pbHost) node.ID {
	if pc.w.Up(h.id) && pc.w.Handler(h.id) == node.Handler(h) {
		return h.id
	}
	return node.None
}

// addClients adds n clients working on keys.
func (pc *pbCluster) addClients(n int, keys []string, appends bool) []*pbClient {
	var out []*pbClient
	for i := 0; i < n; i++ {
		cl := &pbClient{pc: pc, keys: keys, appends: appends}
		cl.Client = pc.clients.Add(func() *pbClerk { return &pbClerk{Clerk: pbservice.NewClerk(pc.vs), pc: pc} }, cl.next)
		out = append(out, cl)
	}
	return out
}

// server is a running server's handler, unwrapped.
func (pc *pbCluster) server(id node.ID) *pbservice.Server {
	if id == node.None {
		return nil // a view without that server
	}
	h := pc.w.Handler(id)
	h = node.Unwrap(h) // a test's broken variant around a server
	s, _ := h.(*pbservice.Server)
	return s
}

// vsServer is the running view service, unwrapped; nil while it is down.
func (pc *pbCluster) vsServer() *viewservice.Server {
	s, _ := node.Unwrap(pc.w.Handler(pc.vs)).(*viewservice.Server)
	return s
}

// view is the view the running view service holds (view 0 while it is
// down).
func (pc *pbCluster) view() viewservice.View {
	if s := pc.vsServer(); s != nil {
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
		if s := pc.vsServer(); s != nil && s.Stuck(pc.w.Clock(pc.vs)) {
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
		s := pc.vsServer()
		if s == nil {
			return false
		}
		v := s.View()
		return v.Primary != node.None && (!backup || v.Backup != node.None) && s.Acked()
	}, limit, "a view with a primary"+map[bool]string{true: " and a backup", false: ""}[backup]))
}
