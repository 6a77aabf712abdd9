package pbservicecat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/pbservice"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// pbCluster is the view service "vs", servers s1..sN and clients c0...
type pbCluster struct {
	c       *scenarios.Case
	w       *sim.World
	vs      node.ID
	servers []node.ID
	clients []*pbClient
	rec     *checker.Recorder
	applied bool
	wrap    func(h node.Handler) node.Handler // broken servers, in tests
	// allowStuck accepts clients that cannot finish when the view service
	// is stuck by its own rules (a primary that died before acknowledging
	// its view, or with no live backup): the design's limit, reported.
	allowStuck bool
}

// pbClient is a client node running a workload through a clerk.
type pbClient struct {
	pc      *pbCluster
	index   int
	ck      *pbservice.Clerk
	keys    []string
	appends bool // only appends (of unique values) instead of a mix
	stop    bool
	idle    bool
	ops     int
	values  []string // the values it appended, in order
}

type think struct{}

func (cl *pbClient) Handle(env node.Env, ev node.Event) {
	if cl.ck.Handle(env, ev) {
		return
	}
	switch ev.(type) {
	case *node.Start, *node.Timeout:
		cl.next(env)
	}
}

func (cl *pbClient) next(env node.Env) {
	if cl.stop {
		cl.idle = true
		return
	}
	cl.idle = false
	r := env.Rand()
	key := cl.keys[r.IntN(len(cl.keys))]
	kind := []string{pbservice.Get, pbservice.Put, pbservice.Append}[r.IntN(3)]
	value := fmt.Sprintf("c%d.%d ", cl.index, cl.ops)
	if cl.appends {
		kind = pbservice.Append
	}
	cl.ops++
	op := map[string]checker.KVOp{pbservice.Get: checker.Get, pbservice.Put: checker.Put, pbservice.Append: checker.Append}[kind]
	id := cl.pc.rec.Call(cl.index, checker.KVInput{Op: op, Key: key, Value: value})
	cl.ck.Do(env, kind, key, value, func(env node.Env, got string) {
		out := checker.KVOutput{}
		if kind == pbservice.Get {
			out.Value = got
		}
		if kind == pbservice.Append {
			cl.values = append(cl.values, value)
		}
		cl.pc.rec.Return(id, out)
		env.SetTimer(r.Duration(0, 20*time.Millisecond), think{})
	})
}

func newPBCluster(c *scenarios.Case, servers int, wrap func(node.Handler) node.Handler) *pbCluster {
	pc := &pbCluster{c: c, w: c.NewWorld(sim.Config{}), wrap: wrap}
	pc.rec = scenarios.NewRecorder(pc.w)
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
		cl := &pbClient{pc: pc, index: len(pc.clients), keys: keys, appends: appends}
		pc.clients = append(pc.clients, cl)
		out = append(out, cl)
		pc.w.AddNode(fmt.Sprintf("c%d", cl.index), func() node.Handler {
			cl.ck = pbservice.NewClerk(pc.vs)
			return cl
		})
	}
	return out
}

func (pc *pbCluster) apply(s scenarios.Schedule) {
	if !pc.applied {
		pc.applied = true
		pc.c.Apply(pc.w, s)
	}
}

func (pc *pbCluster) fault(op string, args ...string) {
	pc.apply(nil)
	pc.c.Fault(pc.w, op, args...)
}

func (pc *pbCluster) run(d time.Duration) {
	pc.apply(nil)
	pc.c.Must(pc.w.RunFor(d))
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
	pc.apply(nil)
	for _, cl := range pc.clients {
		cl.stop = true
	}
	err := pc.w.RunUntil(func() bool {
		for _, cl := range pc.clients {
			if !cl.idle || cl.ck.Busy() {
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
	pc.c.CheckLinearizable("pbservice", checker.KVModel, pc.rec.Ops())
}

// waitView runs until the view has a primary and (if want) a backup, and
// the primary acknowledged it.
func (pc *pbCluster) waitView(backup bool, limit time.Duration) {
	pc.apply(nil)
	pc.c.Must(pc.w.RunUntil(func() bool {
		s, ok := pc.w.Handler(pc.vs).(*viewservice.Server)
		if !ok {
			return false
		}
		v := s.View()
		return v.Primary != node.None && (!backup || v.Backup != node.None) && s.Acked()
	}, limit, "a view with a primary"+map[bool]string{true: " and a backup", false: ""}[backup]))
}
