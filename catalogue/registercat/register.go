package registercat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/register"
)

var registerParams = []scenarios.Param{
	{Name: "replicas", Default: "5", Doc: "number of replicas", Min: 1, Max: 15},
	{Name: "clients", Default: "3", Doc: "number of clients", Min: 1, Max: 20, Shrink: true},
	{Name: "ops", Default: "40", Doc: "operations per client", Min: 1, Max: 10000, Shrink: true},
}

func init() {
	scenarios.Register(scenarios.Scenario{
		Name:    "register/basic",
		Summary: "3 replicas, reliable network, no faults: every operation completes within 10 s, nothing is dropped, the history is atomic",
		Params:  []scenarios.Param{{Name: "replicas", Default: "3", Doc: "number of replicas", Min: 1, Max: 15}, registerParams[1], registerParams[2]},
		Run: func(c *scenarios.Case) {
			rc := newRegisterCluster(c, sim.Config{}, register.NewReplica)
			c.Apply(rc.w, nil)
			rc.finish(c, 10*time.Second)
			switch d := rc.w.Stats().Dropped; {
			case c.FaultsReplaced():
				c.Reportf("nothing-dropped check not made: the faults came from -faults")
			case d != 0:
				c.Failf("%d messages dropped on a reliable network", d)
			}
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "register/crash-restart",
		Summary: "crashes of 5 replicas (one at a time, or a quarter of the time any number at once), half inside a handler, torn disk writes, restarts, for 4 s; atomic, and done within 10 s after the faults end",
		Params:  registerParams,
		Run:     func(c *scenarios.Case) { registerCrashRestart(c, register.NewReplica) },
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "register/partitions",
		Summary: "partitions of every shape, clogs, 10% loss, duplication and reordering on 5 replicas; atomic, and done within 10 s of healing",
		Params:  registerParams,
		Run: func(c *scenarios.Case) {
			p := scenarios.Profile{Partition: true, Clog: true, Loss: 0.1, Dup: 0.1, Reorder: 0.1, Gap: 400 * time.Millisecond}
			registerUnder(c, sim.Config{}, register.NewReplica, p, 4*time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "register/pause-skew",
		Summary: "long pauses of replicas and skewed, drifting replica clocks, CPU model on; atomic, and done within 10 s after the faults end",
		Params:  registerParams,
		Run: func(c *scenarios.Case) {
			cfg := sim.Config{CPU: sim.CPUConfig{Enabled: true, PerEvent: 50 * time.Microsecond}}
			registerUnder(c, cfg, register.NewReplica, scenarios.Profile{Pause: true, Skew: true, Gap: 250 * time.Millisecond}, 4*time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:    "register/swarm",
		Summary: "a swarm profile drawn from the seed (see faults.DrawProfile): any number of replicas down at once, a damaged one refusing to start for good, a replica's answers held back or duplicated by type; maybe a CPU model; for 5 s, then calm: atomic, done within 10 s",
		Params:  registerParams,
		Run:     func(c *scenarios.Case) { registerSwarm(c, register.NewReplica) },
	})
}

// registerUnder runs the register under faults drawn from p until faultEnd,
// then requires every client to finish within 10 s and checks the history.
func registerUnder(c *scenarios.Case, cfg sim.Config, replica node.Factory, p scenarios.Profile, faultEnd time.Duration) {
	rc := newRegisterCluster(c, cfg, replica)
	rc.faultPhase(c, p, faultEnd)
	rc.finish(c, 10*time.Second)
}

// registerCrashRestart is register/crash-restart over the given replica.
func registerCrashRestart(c *scenarios.Case, replica node.Factory) {
	registerUnder(c, sim.Config{}, replica, scenarios.Profile{Crash: true, CrashMid: true, Torn: true, Gap: 300 * time.Millisecond}, 4*time.Second)
}

// registerSwarm is register/swarm over the given replica.
func registerSwarm(c *scenarios.Case, replica node.Factory) {
	r := c.Rand("swarm")
	cfg := sim.Config{}
	if r.Chance(0.3) {
		cfg.CPU = sim.CPUConfig{Enabled: true, PerEvent: r.Duration(10*time.Microsecond, time.Millisecond)}
	}
	p := scenarios.DrawProfile(r)
	p.Types = harness.TypeNames(register.QueryResp{}, register.StoreAck{}) // a replica's answers, late or twice
	registerUnder(c, cfg, replica, p, 5*time.Second)
}

type registerCluster struct {
	w        *sim.World
	replicas []node.ID
	names    []string
	clients  []node.ID
}

// newRegisterCluster builds replicas s0… from replica (register.NewReplica,
// or a broken variant in tests) and clients c0….
func newRegisterCluster(c *scenarios.Case, cfg sim.Config, replica node.Factory) *registerCluster {
	nr, nc, ops := c.IntParam("replicas"), c.IntParam("clients"), c.IntParam("ops")
	if nr < 1 || nc < 0 || ops < 0 {
		c.BadInput("register scenarios need replicas ≥ 1, clients ≥ 0 and ops ≥ 0")
	}
	rc := &registerCluster{w: c.NewWorld(cfg)}
	d := newDurableTags(rc)
	for i := 0; i < nr; i++ {
		name := fmt.Sprintf("s%d", i)
		rc.replicas = append(rc.replicas, rc.w.AddNode(name, func() node.Handler { return &replicaHost{h: replica(), d: d} }))
		rc.names = append(rc.names, name)
	}
	for i := 0; i < nc; i++ {
		f := register.NewClient(register.ClientConfig{
			Replicas:      rc.replicas,
			Ops:           ops,
			ReadRatio:     0.5,
			RetryInterval: 50 * time.Millisecond,
			ThinkMax:      150 * time.Millisecond,
		})
		rc.clients = append(rc.clients, rc.w.AddNode(fmt.Sprintf("c%d", i), func() node.Handler { return &clientHost{h: f(), d: d} }))
	}
	rc.observeTags()
	rc.w.Observe("what a replica said survives its restart", d.observe)
	return rc
}

// observeTags checks after every event at a replica (and every world
// action) that no replica's tag went backwards within one incarnation.
func (rc *registerCluster) observeTags() {
	last := make([]register.Tag, len(rc.replicas))
	seen := make([]*register.Replica, len(rc.replicas))
	rc.w.ObserveNodes("replica tags never go backwards", rc.replicas, func() error {
		for i, id := range rc.replicas {
			r, _ := node.Unwrap(rc.w.Handler(id)).(*register.Replica)
			if r == nil {
				continue
			}
			if r != seen[i] {
				seen[i], last[i] = r, r.Tag()
				continue
			}
			if r.Tag().Less(last[i]) {
				return fmt.Errorf("replica %s went from tag %v back to %v", rc.w.Name(id), last[i], r.Tag())
			}
			last[i] = r.Tag()
		}
		return nil
	})
}

// faultPhase applies a schedule drawn from p (or the one given in the
// options) that ends in calm at end, and runs until then.
func (rc *registerCluster) faultPhase(c *scenarios.Case, p scenarios.Profile, end time.Duration) {
	// Any number of replicas may be down at once: the register promises
	// safety under every crash pattern (its state is durable before it is
	// acknowledged), only not progress while a majority is down. Crashing
	// a majority is also the only way durability bugs become visible.
	def := p.Schedule(c.Rand("faults"), rc.names, len(rc.names), 100*time.Millisecond, end)
	c.Apply(rc.w, def)
	c.Must(rc.w.RunFor(end))
}

func (rc *registerCluster) done() bool {
	for _, id := range rc.clients {
		if cl, ok := node.Unwrap(rc.w.Handler(id)).(*register.Client); !ok || !cl.Done() {
			return false
		}
	}
	return true
}

// finish requires every client to finish within limit, then checks the
// combined history.
func (rc *registerCluster) finish(c *scenarios.Case, limit time.Duration) {
	c.Check(rc.w.RunUntil(rc.done, limit, "every client finishing its operations"))
	var history []register.Op
	for _, id := range rc.clients {
		if cl, ok := node.Unwrap(rc.w.Handler(id)).(*register.Client); ok {
			history = append(history, cl.History()...)
		}
	}
	c.CountOperations(len(history))
	if err := register.CheckHistory(history); err != nil {
		c.Failf("history of %d operations: %v", len(history), err)
	}
}
