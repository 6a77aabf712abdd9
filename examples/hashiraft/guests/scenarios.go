//go:build !wasip1

package guests

import (
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

var params = []scenarios.Param{
	{Name: "servers", Default: "3", Doc: "raft servers, each a guest", Min: 3, Max: 5},
	{Name: "clients", Default: "3", Doc: "concurrent clients (all in one guest node, c0)", Min: 1, Max: 10, Shrink: true},
	{Name: "ops", Default: "20", Doc: "operations per client", Min: 0, Max: 200, Shrink: true},
}

func init() {
	scenarios.Register(scenarios.Scenario{
		Name:      "hashiguest/basic",
		Summary:   "hashicorp/raft servers as guests over simlab's network, no faults: every operation answered, none given up on, linearizable, within 60 s",
		Params:    params,
		Histories: true,
		Run:       func(c *scenarios.Case) { basic(c, server(c)) },
	})
	scenarios.Register(scenarios.Scenario{
		Name:      "hashiguest/crash-restart",
		Summary:   "servers crashed (some inside a handler, some rebooted at once) and restarted, torn disk writes, for 5 s: linearizable, and the clients done within 60 s after",
		Params:    params,
		Histories: true,
		Run:       func(c *scenarios.Case) { crashRestart(c, server(c)) },
	})
	scenarios.Register(scenarios.Scenario{
		Name:      "hashiguest/partitions",
		Summary:   "partitions of every shape, clogs, loss, duplication and reordering for 5 s: linearizable, and the clients done within 60 s after",
		Params:    params,
		Histories: true,
		Run: func(c *scenarios.Case) {
			faulty(c, server(c), scenarios.Profile{Partition: true, Clog: true, Loss: 0.1, Dup: 0.1, Reorder: 0.1, Gap: 400 * time.Millisecond})
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:      "hashiguest/sockets",
		Summary:   "the servers' TCP connections reset or aborted (half-open at the peer) every ~300 ms, with 5% loss, for 5 s: linearizable, and the clients done within 60 s after",
		Params:    params,
		Histories: true,
		Run: func(c *scenarios.Case) {
			faulty(c, server(c), scenarios.Profile{Sockets: true, Loss: 0.05, Gap: 300 * time.Millisecond})
		},
	})
	scenarios.Register(scenarios.Scenario{
		Name:      "hashiguest/swarm",
		Summary:   "a fault profile drawn from the seed (crashes, torn writes, reboots, partitions, loss, duplication, clogs, pauses, clock skew, connection resets and aborts) for 5 s: linearizable, and the clients done within 60 s after",
		Params:    params,
		Histories: true,
		Run:       func(c *scenarios.Case) { swarm(c, server(c)) },
	})
}

// basic is hashiguest/basic over the server program p.
func basic(c *scenarios.Case, p *guest.Program) {
	cl := newCluster(c, p, sim.Config{})
	c.Apply(cl.w, nil)
	cl.finish(60 * time.Second)
	if cl.lost > 0 && !c.FaultsReplaced() {
		c.Failf("%d operations given up on with no faults", cl.lost)
	}
}

// crashRestart is hashiguest/crash-restart over the server program p.
func crashRestart(c *scenarios.Case, p *guest.Program) {
	faulty(c, p, scenarios.Profile{Crash: true, CrashMid: true, Torn: true, Reboot: true, Gap: 400 * time.Millisecond})
}

// swarm is hashiguest/swarm over the server program p.
func swarm(c *scenarios.Case, p *guest.Program) {
	prof := scenarios.DrawProfile(c.Rand("swarm"))
	// Damage keeps a node down for good with its synced data broken:
	// FileStore cuts off a record that does not verify as a torn tail,
	// and cannot tell a truncation of synced data from one (it records
	// no synced length), so the example leaves damage out.
	prof.Damage = false
	// The servers' connections may be reset or aborted too (guest.go's
	// operations reset and abort), which DrawProfile leaves to harnesses
	// of guest nodes.
	prof.Sockets = c.Rand("swarm-sockets").Chance(0.5)
	faulty(c, p, prof)
}

// faulty runs the clients under faults drawn from prof for 5 s (any number
// of servers down at once: raft promises safety under every pattern), then
// requires them to finish within 60 s and checks the history.
func faulty(c *scenarios.Case, p *guest.Program, prof scenarios.Profile) {
	cl := newCluster(c, p, sim.Config{})
	const faultEnd = 5 * time.Second
	c.Apply(cl.w, prof.Schedule(c.Rand("faults"), cl.names, len(cl.names), 200*time.Millisecond, faultEnd))
	c.Must(cl.w.RunFor(faultEnd))
	cl.finish(60 * time.Second)
}

// server is the server program, built once per process.
func server(c *scenarios.Case) *guest.Program {
	p, err := Program(ServerPackage)
	c.Must(err)
	return p
}
