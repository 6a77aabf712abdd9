//go:build !wasip1

package guests

import (
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

var params = []scenarios.Param{
	{Name: "servers", Default: "3", Doc: "raft servers, each a guest", Min: 3, Max: 5},
	{Name: "clients", Default: "3", Doc: "concurrent clients (all in one guest node, c0)", Min: 1, Max: 10, Shrink: true},
	{Name: "ops", Default: "20", Doc: "operations per client", Min: 0, Max: 200, Shrink: true},
	{Name: "sched", Default: "fifo", Doc: "the order the guests' runnable goroutines run in: fifo (Go's own on wasm) or shuffle (drawn from the seed)"},
}

// faultEnd is when the faults of a faulty scenario end.
const faultEnd = 5 * time.Second

// after is what every faulty scenario's summary ends with.
const after = " for 5 s: linearizable, and the clients done within 60 s after"

// catalogue is the scenarios, each run over a server program (the kvnode
// command, or a test's broken variant).
var catalogue = []struct {
	name, summary string
	run           func(c *scenarios.Case, p *guest.Program)
}{
	{"basic", "hashicorp/raft servers as guests over simlab's network, no faults: every operation answered, none given up on, linearizable, within 60 s", basic},
	{"crash-restart", "servers crashed (some inside a handler, some rebooted at once) and restarted, torn disk writes," + after, crashRestart},
	{"partitions", "partitions of every shape, clogs, loss, duplication and reordering" + after, func(c *scenarios.Case, p *guest.Program) {
		faulty(c, p, scenarios.Profile{Partition: true, Clog: true, Loss: 0.1, Dup: 0.1, Reorder: 0.1, Gap: 400 * time.Millisecond})
	}},
	{"sockets", "the servers' TCP connections reset or aborted (half-open at the peer) every ~300 ms, with 5% loss," + after, func(c *scenarios.Case, p *guest.Program) {
		faulty(c, p, scenarios.Profile{Sockets: true, Loss: 0.05, Gap: 300 * time.Millisecond})
	}},
	{"power-loss", "every server loses power at once (a crash, some inside a handler, unsynced writes torn or lost) every ~600 ms and comes back 100-300 ms later," + after, powerLoss},
	{"swarm", "a fault profile drawn from the seed (crashes, torn writes, damage to synced data, reboots, partitions, loss, duplication, clogs, pauses, clock skew, connection resets and aborts)" + after, swarm},
}

func init() {
	for _, sc := range catalogue {
		run := sc.run
		scenarios.Register(scenarios.Scenario{
			Name: "hashiguest/" + sc.name, Summary: sc.summary, Params: params, Histories: true,
			Run: func(c *scenarios.Case) { run(c, server(c)) },
		})
	}
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

// powerLoss is hashiguest/power-loss over the server program p: the
// cluster's power fails as a whole, the test every durable store must
// pass, since a write acknowledged before it was synced is then lost on
// every server at once.
func powerLoss(c *scenarios.Case, p *guest.Program) {
	cl := newCluster(c, p, sim.Config{})
	r := c.Rand("faults")
	s := scenarios.Schedule{{At: 200 * time.Millisecond, Op: "disk", Args: []string{"torn"}}}
	for t := 300 * time.Millisecond; t < faultEnd; {
		t += r.Duration(0, 200*time.Millisecond).Round(time.Millisecond)
		back := (t + r.Duration(100*time.Millisecond, 300*time.Millisecond)).Round(time.Millisecond)
		for _, name := range cl.names {
			op := "crash"
			if r.Chance(0.5) {
				op = "crash-mid"
			}
			s = append(s, scenarios.Action{At: t, Op: op, Args: []string{name}})
		}
		for _, name := range cl.names {
			s = append(s, scenarios.Action{At: back, Op: "restart", Args: []string{name}})
		}
		t = back + 400*time.Millisecond
	}
	c.Apply(cl.w, s)
	c.Must(cl.w.RunFor(faultEnd))
	cl.finish(60 * time.Second)
}

// swarm is hashiguest/swarm over the server program p.
func swarm(c *scenarios.Case, p *guest.Program) {
	// Damage (an eighth of the profiles with crashes) breaks a crashed
	// server's synced data; FileStore refuses it when the server comes
	// back, which the harness requires of a damaged disk only.
	prof := scenarios.DrawProfile(c.Rand("swarm"))
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
	c.Apply(cl.w, prof.Schedule(c.Rand("faults"), cl.names, len(cl.names), 200*time.Millisecond, faultEnd))
	c.Must(cl.w.RunFor(faultEnd))
	cl.finish(60 * time.Second)
}

// server is the server program, built once per process for each -p sched.
func server(c *scenarios.Case) *guest.Program {
	return program(c, ServerPackage)
}

// program is the main package pkg built with the run's goroutine schedule.
func program(c *scenarios.Case, pkg string) *guest.Program {
	sched, err := gotest.ParseSchedule(c.Param("sched"))
	if err != nil {
		c.BadInput("-p sched=%s: %v", c.Param("sched"), err)
	}
	p, err := ProgramWith(pkg, sched)
	c.Must(err)
	return p
}
