package faults_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// blink is an operation defined outside the built-in table, the way a
// new one is added: one entry. It crashes a node and restarts it DUR
// later, a reboot in one action; the engine methods it calls (Crash,
// Restart, After) exist, so nothing else changes.
var blink = faults.Op{
	Name: "blink",
	Args: []faults.Arg{faults.NodeArg("NODE"), faults.DurArg("DUR", false, true)},
	Doc:  "crash the node and restart it DUR later",
	Bind: func(b *faults.Binder, a faults.Action) func() {
		w := b.W
		d, _ := faults.ParseDur(a.Args[1])
		return b.On(b.Node(a.Args[0]), func(n node.ID) {
			w.Crash(n)
			w.After(d, "reboot "+w.Name(n), func() { w.Restart(n) })
		})
	},
	Coverage: []sim.FaultKind{sim.FaultDown},
	Swarm:    &faults.Swarm{Kind: "blink", On: func(p faults.Profile) bool { return p.Crash }, Weight: 2, Draw: drawBlink},
}

func drawBlink(d *faults.Draw) {
	if up, _ := d.Up(); len(up) > 0 {
		i := up[d.R.IntN(len(up))]
		d.Add(d.T, "blink", d.Nodes[i], "100ms")
		d.DownUntil(i, d.T+100*time.Millisecond)
	}
}

func idleNode() node.Handler {
	return node.HandlerFunc(func(env node.Env, ev node.Event) {})
}

// TestANewOpIsOneEntry registers blink and uses it everywhere an operation
// is used: parsed and printed, checked, applied to a World by name and by
// role in a scenario, shrunk, restricted to fewer nodes, and drawn by a
// swarm profile.
func TestANewOpIsOneEntry(t *testing.T) {
	defer faults.Register(blink)()

	// Text form and checks.
	s, err := faults.Parse("1s blink s1 200ms; 2s crash s2")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "1s blink s1 200ms; 2s crash s2" {
		t.Errorf("round trip: %q", got)
	}
	for text, want := range map[string]string{
		"1s blink s1":      `blink takes "NODE DUR"`,
		"1s blink s1 -5ms": `"-5ms" is not a non-negative duration`,
	} {
		_, err := faults.Parse(text)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: got %v, want %q", text, err, want)
		}
	}
	if _, err := faults.Parse("1s frob s1"); err == nil || !strings.Contains(err.Error(), "blink") {
		t.Errorf("the list of known operations leaves out blink: %v", err)
	}

	// Applied to a World by hand.
	w := sim.New(1, sim.Config{})
	for _, n := range []string{"s0", "s1", "s2"} {
		w.AddNode(n, idleNode)
	}
	if err := s.Apply(w); err != nil {
		t.Fatal(err)
	}
	s1, _ := w.Lookup("s1")
	if err := w.RunFor(1100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if w.Up(s1) {
		t.Error("s1 is up 100 ms into its blink")
	}
	if err := w.RunFor(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !w.Up(s1) || w.NodeStats(s1).Restarts != 1 {
		t.Errorf("s1 not back after its blink: up %v, %d restarts", w.Up(s1), w.NodeStats(s1).Restarts)
	}

	// Shrunk, and restricted to a run without s1.
	a := s[0]
	if got := faults.Schedule(a.Simpler()).String(); got != "1s blink s1 100ms" {
		t.Errorf("simpler: %s", got)
	}
	if _, ok := a.Without(func(n string) bool { return n == "s1" }); ok {
		t.Error("blink of a node the run no longer has is kept")
	}

	// In a scenario, by role, given as -faults.
	sc := scenarios.Scenario{Name: "faults/blink-test", Summary: "three idle nodes", Run: func(c *scenarios.Case) {
		w := c.NewWorld(sim.Config{})
		var names []string
		for _, n := range []string{"s0", "s1", "s2"} {
			w.AddNode(n, idleNode)
			names = append(names, n)
		}
		c.Role(w, "leader", names, func() int { return 2 })
		c.Apply(w, nil)
		c.Must(w.RunFor(3 * time.Second))
	}}
	out, err := scenarios.RunScenario(sc, 1, scenarios.Options{Faults: "1s blink leader+1 500ms"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Faults != "1s blink leader+1 500ms" {
		t.Errorf("recorded schedule %q", out.Faults)
	}
	for _, n := range out.Nodes {
		if want := int64(map[string]int{"s0": 1}[n.Name]); n.Crashes != want || n.Restarts != want {
			t.Errorf("%s: %d crashes, %d restarts; want %d (leader+1 is s0)", n.Name, n.Crashes, n.Restarts, want)
		}
	}

	// Drawn by a swarm profile that crashes nodes, twice as often as a
	// crash (its weight).
	p := faults.Profile{Crash: true, Gap: 100 * time.Millisecond}
	drawn := p.Schedule(node.NewRand(7), []string{"s0", "s1", "s2"}, 1, 0, 20*time.Second)
	count := map[string]int{}
	for _, a := range drawn {
		count[a.Op]++
	}
	if count["blink"] < count["crash"] || count["crash"] == 0 {
		t.Errorf("swarm drew %d blinks and %d crashes; want both, blinks about twice as often", count["blink"], count["crash"])
	}
	if err := drawn.Validate(); err != nil {
		t.Errorf("drawn schedule: %v", err)
	}
}

// TestTheTable checks what every entry must hold, and that every kind of
// fault the coverage table counts under is one some operation makes.
func TestTheTable(t *testing.T) {
	made := map[sim.FaultKind]bool{}
	for _, o := range faults.Ops() {
		if o.Doc == "" || o.Bind == nil {
			t.Errorf("%s: no Doc or Bind", o.Name)
		}
		if sw := o.Swarm; sw != nil && sw.Draw != nil && (sw.On == nil || sw.Kind == "") {
			t.Errorf("%s: a swarm draw without a Kind or On", o.Name)
		}
		for _, k := range o.Coverage {
			made[k] = true
		}
		if o.Life == faults.TakesDown && !slices.Contains(o.Coverage, sim.FaultDown) {
			t.Errorf("%s takes a node down but does not say it makes FaultDown active", o.Name)
		}
	}
	for _, k := range sim.FaultKinds() {
		if !made[k] {
			t.Errorf("no operation makes fault kind %v active: the coverage table has a column no schedule can fill", k)
		}
	}
}

func TestRegisterRefusesABadEntry(t *testing.T) {
	for name, o := range map[string]faults.Op{
		"taken name":       {Name: "crash", Bind: blink.Bind},
		"no bind":          {Name: "x"},
		"two words":        {Name: "a b", Bind: blink.Bind},
		"optional midway":  {Name: "y", Bind: blink.Bind, Args: []faults.Arg{{Name: "A", Optional: true}, {Name: "B"}}},
		"separator inside": {Name: "a;b", Bind: blink.Bind},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register accepted it", name)
				}
			}()
			faults.Register(o)()
		}()
	}
}
