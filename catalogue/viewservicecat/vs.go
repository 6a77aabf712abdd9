package viewservicecat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// pinger is a server that only pings: the view service's test subject.
// The views the service's replies carry to it are checked as they arrive.
type pinger struct {
	p  *viewservice.Pinger
	vc *vsCluster
}

// Handle checks a view a reply carries, then hands the event to the pinger.
func (h *pinger) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok && r.From == h.vc.vs {
		if m, ok := r.Msg.(viewservice.PingReply); ok {
			h.vc.oracle.Revealed(m.View)
		}
	}
	h.p.Handle(env, ev)
}

// vsCluster is the view service "vs" and servers s1, s2, s3, added as the
// script brings them in (a server not yet added never pinged).
type vsCluster struct {
	*harness.Faults
	c    *scenarios.Case
	w    *sim.World
	vs   node.ID
	ids  map[string]node.ID
	hold map[string]uint64 // servers acknowledging no view above this
	// oracle holds the view service to the lab's rules on every event.
	oracle *harness.ViewOracle
	// held is every view the service held, by number, as first seen after
	// one of its events: the stages check the views they name on the way,
	// not only the one they end at.
	held map[uint64]viewservice.View
}

// newVSCluster makes the world of a scenario over the view service server
// builds, its servers down, and the oracle watching.
func newVSCluster(c *scenarios.Case, server node.Factory) *vsCluster {
	w, faults := harness.NewWorld(c, sim.Config{})
	vc := &vsCluster{Faults: faults, c: c, w: w, ids: map[string]node.ID{}, hold: map[string]uint64{}, held: map[uint64]viewservice.View{}}
	vc.oracle = harness.NewViewOracle(w)
	vc.vs = vc.w.AddNode("vs", vc.oracle.Watch(server))
	vc.oracle.VS = vc.vs
	for _, name := range []string{"s1", "s2", "s3"} {
		name := name
		vc.ids[name] = vc.w.AddNode(name, func() node.Handler {
			p := viewservice.NewPinger(vc.vs)
			p.Hold = func() (uint64, bool) { v, ok := vc.hold[name]; return v, ok }
			return &pinger{p: p, vc: vc}
		})
	}
	// Every server starts down: the script brings them in with restart.
	vc.Bind(scenarios.Schedule{{At: 0, Op: "crash", Args: []string{"s1"}}, {At: 0, Op: "crash", Args: []string{"s2"}}, {At: 0, Op: "crash", Args: []string{"s3"}}})
	vc.w.Observe("the view service's rules", vc.oracle.Check)
	vc.w.Observe("the views held", func() error {
		if v := vc.view(); v.Viewnum > 0 {
			if _, seen := vc.held[v.Viewnum]; !seen {
				vc.held[v.Viewnum] = v
			}
		}
		return nil
	})
	vc.c.Must(vc.w.RunFor(time.Millisecond))
	return vc
}

// view is the view the running service holds (view 0 while it is down).
func (vc *vsCluster) view() viewservice.View {
	s := vc.server()
	if s == nil {
		return viewservice.Empty()
	}
	return s.View()
}

// server is the running view service, unwrapped from a test's wrapper.
func (vc *vsCluster) server() *viewservice.Server {
	h := vc.w.Handler(vc.vs)
	h = node.Unwrap(h) // a test's broken variant around a server
	s, _ := h.(*viewservice.Server)
	return s
}

// name names a server of a view, "none" for none.
func (vc *vsCluster) name(id node.ID) string {
	if id == node.None {
		return "none"
	}
	return vc.w.Name(id)
}

// expect runs until the view is (num, primary, backup) and, unless the
// script holds the primary's acknowledgements back, the primary has
// acknowledged it (the lab's test pings on until then), or fails after
// limit.
func (vc *vsCluster) expect(what string, num uint64, primary, backup string, limit time.Duration) {
	want := func() bool {
		v := vc.view()
		s := vc.server()
		_, held := vc.hold[primary]
		return v.Viewnum == num && vc.name(v.Primary) == primary && vc.name(v.Backup) == backup && (held || s != nil && s.Acked())
	}
	err := vc.w.RunUntil(want, limit, fmt.Sprintf("%s: view %d with primary %s, backup %s", what, num, primary, backup))
	vc.c.Must(vc.w.Err()) // a rule broken on the way is the failure
	if err != nil {
		v := vc.view()
		vc.c.Failf("%s: the view is %d (primary %s, backup %s); want %d (%s, %s)", what, v.Viewnum, vc.name(v.Primary), vc.name(v.Backup), num, primary, backup)
		vc.c.Must(fmt.Errorf("stopped"))
	}
}

// stays requires the view to stay as it is for d.
func (vc *vsCluster) stays(what string, d time.Duration) {
	before := vc.view()
	vc.c.Must(vc.w.RunFor(d))
	if after := vc.view(); after != before {
		vc.c.Failf("%s: the view moved from %d (%s, %s) to %d (%s, %s); want it to stay", what,
			before.Viewnum, vc.name(before.Primary), vc.name(before.Backup), after.Viewnum, vc.name(after.Primary), vc.name(after.Backup))
	}
}

// heldView requires the service to have held view num with the given
// primary, and without the server not (its name; "" for no such server).
func (vc *vsCluster) heldView(what string, num uint64, primary, not string) {
	v, ok := vc.held[num]
	switch {
	case !ok:
		vc.c.Failf("%s: the service never held view %d", what, num)
	case vc.name(v.Primary) != primary || not != "" && (vc.name(v.Primary) == not || vc.name(v.Backup) == not):
		vc.c.Failf("%s: view %d was (primary %s, backup %s); want primary %s, without %s", what, num, vc.name(v.Primary), vc.name(v.Backup), primary, not)
	}
}

// deadAfter is long enough for the service to declare a silent server dead.
const deadAfter = 3 * viewservice.DeadPings * viewservice.PingInterval

// stages are the lab's view service test, in order; each scenario runs
// them up to its own.
var stages = []struct {
	name, summary string
	run           func(vc *vsCluster)
}{
	{"first-primary", "the first server to ping becomes primary of view 1", func(vc *vsCluster) {
		vc.Fault("restart", "s1")
		vc.expect("first primary", 1, "s1", "none", time.Second)
	}},
	{"first-backup", "a second server becomes backup in view 2", func(vc *vsCluster) {
		vc.Fault("restart", "s2")
		vc.expect("first backup", 2, "s1", "s2", time.Second)
	}},
	{"takeover", "the primary stops pinging: the backup takes over in view 3, with no backup", func(vc *vsCluster) {
		vc.Fault("crash", "s1")
		vc.expect("backup takes over", 3, "s2", "none", deadAfter)
	}},
	{"restarted-backup", "the old primary restarts (pings view 0): it becomes the backup in view 4", func(vc *vsCluster) {
		vc.Fault("restart", "s1")
		vc.expect("restarted server becomes backup", 4, "s2", "s1", deadAfter)
	}},
	{"idle-third", "a third server waits idle; the primary fails: the backup takes over and the idle server becomes backup, view 5", func(vc *vsCluster) {
		vc.Fault("restart", "s3")
		vc.stays("an idle third server is not put in a full view", time.Second)
		vc.Fault("crash", "s2")
		vc.expect("idle third server becomes backup", 5, "s1", "s3", deadAfter)
	}},
	{"restarted-primary", "the primary restarts at once (pings view 0 again): it is treated as dead, the backup takes over (view 6), and the restarted server comes back as backup (view 7)", func(vc *vsCluster) {
		vc.Fault("crash", "s1")
		vc.Fault("restart", "s1")
		vc.expect("restarted primary treated as dead, then back as backup", 7, "s3", "s1", deadAfter)
		vc.heldView("restarted primary treated as dead", 6, "s3", "s1")
	}},
	{"dead-backup", "the backup dies: it is removed from the view, view 8", func(vc *vsCluster) {
		vc.Fault("crash", "s1")
		vc.expect("dead backup removed", 8, "s3", "none", deadAfter)
	}},
	{"waits-for-ack", "the primary does not acknowledge view 9: though the backup then dies, the service stays at view 9 until it does", func(vc *vsCluster) {
		vc.hold["s3"] = 8
		vc.Fault("restart", "s1")
		vc.expect("a new backup", 9, "s3", "s1", deadAfter)
		vc.Fault("crash", "s1")
		vc.stays("the primary has not acknowledged view 9", deadAfter)
		delete(vc.hold, "s3")
		vc.expect("the acknowledged view moves on", 10, "s3", "none", deadAfter)
	}},
	{"uninitialized", "primary and backup both die with an idle server waiting: the idle server, which never held the state, never becomes primary (the service may name it backup of a view the dead primary never acknowledges)", func(vc *vsCluster) {
		vc.Fault("restart", "s1")
		vc.expect("a backup again", 11, "s3", "s1", deadAfter)
		vc.Fault("restart", "s2")
		vc.Fault("crash", "s3")
		vc.Fault("crash", "s1")
		vc.c.Must(vc.w.RunFor(2 * deadAfter))
		for num := uint64(12); ; num++ { // every view since, not only the last
			v, ok := vc.held[num]
			if !ok {
				break
			}
			if vc.name(v.Primary) == "s2" {
				vc.c.Failf("s2, which never held the state, became primary in view %d", v.Viewnum)
			}
		}
	}},
}

// init registers the catalogue over the correct view service.
func init() {
	for _, s := range vsScenarios(viewservice.NewServer()) {
		scenarios.Register(s)
	}
}

// vsScenarios is the catalogue over the view service server builds (a
// broken one, in tests).
func vsScenarios(server node.Factory) []scenarios.Scenario {
	var list []scenarios.Scenario
	for k, st := range stages {
		k := k
		list = append(list, scenarios.Scenario{
			Name:        "viewservice/" + st.name,
			Summary:     "vs and servers s1–s3, stages 1–" + fmt.Sprint(k+1) + " of the lab's test: " + st.summary,
			FixedFaults: "its checks follow the crashes and restarts of its own script",
			Run: func(c *scenarios.Case) {
				vc := newVSCluster(c, server)
				for _, s := range stages[:k+1] {
					s.run(vc)
				}
			},
		})
	}
	list = append(list, scenarios.Scenario{
		Name:        "viewservice/cut-off",
		Summary:     "the single point of failure: with primary s1 and backup s2, the view service is cut off and s1 crashes. Hearing nobody, the service takes its servers for dead as their pings stop: it drops s2 from the view and is then stuck with a dead primary for good, or it makes s2 primary (while cut off, or once healed if it saw both die at once), and s2 acknowledges that view only once healed. Either way no view names a primary that was not primary or backup before",
		FixedFaults: "it checks what its own partition of the view service does",
		Run: func(c *scenarios.Case) {
			vc := newVSCluster(c, server)
			stages[0].run(vc)
			stages[1].run(vc)
			vc.Fault("isolate", "vs")
			vc.Fault("crash", "s1")
			vc.c.Must(vc.w.RunFor(2 * deadAfter))
			cut := vc.view()
			if s := vc.server(); s != nil && vc.name(cut.Primary) == "s2" && s.Acked() {
				c.Failf("while cut off, the view service holds s2's acknowledgement of view %d, which s2 could not send", cut.Viewnum)
			}
			vc.Fault("heal")
			vc.c.Must(vc.w.RunFor(deadAfter))
			v := vc.view()
			s := vc.server()
			switch {
			case vc.name(v.Primary) == "s2":
				if s == nil || !s.Acked() {
					c.Failf("s2 is primary of view %d, yet %v after healing it has not acknowledged it", v.Viewnum, deadAfter)
				}
				c.Reportf("s2 took over: the view was %d while cut off; view %d acknowledged after healing", cut.Viewnum, v.Viewnum)
			case vc.name(v.Primary) == "s1" && v.Backup == node.None:
				if s == nil || !s.Stuck(vc.w.Clock(vc.vs)) {
					c.Failf("view %d names dead s1 primary without a backup, yet the view service does not count itself stuck", v.Viewnum)
				}
				c.Reportf("stuck: while cut off the service dropped backup s2 (view %d); primary s1 is dead and nobody may take over", v.Viewnum)
			default:
				c.Failf("after healing the view is %d (primary %s, backup %s): neither outcome of a cut-off view service", v.Viewnum, vc.name(v.Primary), vc.name(v.Backup))
			}
		},
	})
	return list
}
