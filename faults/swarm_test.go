package faults

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestDrawProfileExploresEveryMix: each kind of fault is on in some
// profiles and off in others; damage, which keeps a node down for good,
// only with crashes and in few profiles.
func TestDrawProfileExploresEveryMix(t *testing.T) {
	on := map[string]int{}
	const draws = 2000
	for seed := uint64(0); seed < draws; seed++ {
		p := DrawProfile(node.NewRand(seed))
		for name, v := range map[string]bool{
			"crash": p.Crash, "crash-mid": p.CrashMid, "torn": p.Torn, "partition": p.Partition,
			"clog": p.Clog, "pause": p.Pause, "skew": p.Skew, "loss": p.Loss > 0, "dup": p.Dup > 0, "reorder": p.Reorder > 0,
			"reboot": p.Reboot, "aimed": p.Aimed, "damage": p.Damage,
		} {
			if v {
				on[name]++
			}
		}
		if p.CrashMid && !p.Crash {
			t.Fatalf("profile %v: crash-mid without crash", p)
		}
		if p.Damage && !p.Crash {
			t.Fatalf("profile %v: damage without crash", p)
		}
		if p.Gap < 100*time.Millisecond || p.Gap > time.Second {
			t.Fatalf("profile %v: gap out of range", p)
		}
	}
	for _, name := range []string{"crash", "crash-mid", "torn", "partition", "clog", "pause", "skew", "loss", "dup", "reorder", "reboot", "aimed"} {
		// Each is on with probability 1/2 (crash-mid 1/4): far from never
		// and far from always.
		if n := on[name]; n < draws/8 || n > draws*7/8 {
			t.Errorf("%s on in %d of %d profiles", name, n, draws)
		}
	}
	// Damage is on in one profile in 16 (half have crashes, an eighth of
	// those damage): drawn, but rarely.
	if n := on["damage"]; n < draws/40 || n > draws/10 {
		t.Errorf("damage on in %d of %d profiles; want between 1 in 40 and 1 in 10", n, draws)
	}
}

// replayDown follows a schedule's crashes, restarts, pauses and damage
// and returns the most nodes down at once, failing on a restart of a
// running node. A damaged node refuses to start at its restart, so it
// counts as down to the end, and a fault that takes it down again fails:
// the draw took it for up.
func replayDown(t *testing.T, s Schedule) int {
	t.Helper()
	downUntil := map[string]time.Duration{}
	crashed := map[string]bool{}
	damaged := map[string]bool{}
	most := 0
	for _, a := range s {
		for n, until := range downUntil {
			if until <= a.At {
				delete(downUntil, n)
			}
		}
		if (a.Op == "crash" || a.Op == "crash-mid" || a.Op == "pause" || a.Op == "reboot") && damaged[a.Args[0]] {
			t.Fatalf("%q takes down a node damaged earlier, which stays down", a)
		}
		switch a.Op {
		case "crash", "crash-mid":
			if crashed[a.Args[0]] {
				t.Fatalf("%q crashes a node that is already down", a)
			}
			crashed[a.Args[0]] = true
		case "damage":
			if !crashed[a.Args[0]] {
				t.Fatalf("%q damages a node that is up", a)
			}
			damaged[a.Args[0]] = true
		case "restart":
			if !crashed[a.Args[0]] {
				t.Fatalf("%q restarts a node that is up", a)
			}
			delete(crashed, a.Args[0])
		case "pause", "reboot":
			if crashed[a.Args[0]] || downUntil[a.Args[0]] > a.At {
				t.Fatalf("%q takes down a node that is already down", a)
			}
			d, _ := time.ParseDuration(a.Args[1])
			downUntil[a.Args[0]] = a.At + d
		}
		n := len(crashed) + len(downUntil)
		for d := range damaged {
			if !crashed[d] {
				n++ // restarted, and refused to start
			}
		}
		if n > most {
			most = n
		}
	}
	if len(crashed) > 0 {
		t.Fatalf("schedule ends with %v still crashed", crashed)
	}
	return most
}

func TestProfileSchedule(t *testing.T) {
	nodes := []string{"s0", "s1", "s2", "s3", "s4"}
	sawMany := false
	for seed := uint64(0); seed < 500; seed++ {
		r := node.NewRand(seed)
		p := DrawProfile(r)
		maxDown := int(seed % 6)
		if seed%2 == 0 {
			p.Types = []string{"VoteReply", "AckReply"}
		}
		s := p.Schedule(r, nodes, maxDown, 100*time.Millisecond, 5*time.Second)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			if last := s[len(s)-1]; last.Op != "calm" || last.At != 5*time.Second {
				t.Fatalf("schedule does not end in calm at 5s: %v", s)
			}
			parsed, err := Parse(s.String())
			if err != nil {
				t.Fatalf("drawn schedule does not parse: %v\n%s", err, s)
			}
			if parsed.String() != s.String() {
				t.Fatalf("round trip changed the schedule:\n%s\n%s", s, parsed)
			}
			for _, a := range s {
				if a.At < 100*time.Millisecond || a.At > 5*time.Second {
					t.Fatalf("%q outside the fault phase", a)
				}
			}
			if n := replayDown(t, s); n > maxDown {
				t.Fatalf("%d nodes down at once, more than %d", n, maxDown)
			} else if n > 1 {
				sawMany = true
			}
		})
	}
	if !sawMany {
		t.Error("no schedule ever took several nodes down at once")
	}
}

// TestSwarmDrawsTheNewShapes checks that swarm schedules draw quick
// reboots, faults aimed at the harness's message types only (each set and
// later cleared), and clock rates beyond the old ±2% but within the
// documented ±0.33.
func TestSwarmDrawsTheNewShapes(t *testing.T) {
	nodes := []string{"s0", "s1", "s2"}
	types := []string{"VoteReply", "AckReply"}
	seen := map[string]int{}
	var fastest float64
	for seed := uint64(0); seed < 300; seed++ {
		r := node.NewRand(seed)
		p := DrawProfile(r)
		withTypes := seed%2 == 0
		if withTypes {
			p.Types = types
		}
		s := p.Schedule(r, nodes, 1, 0, 10*time.Second)
		open := map[string]int{}
		for _, a := range s {
			switch a.Op {
			case "reboot":
				d, err := time.ParseDuration(a.Args[1])
				if err != nil || d < time.Millisecond || d > 20*time.Millisecond {
					t.Fatalf("%q: a reboot is a restart within 1-20 ms", a)
				}
				seen["reboot"]++
			case "msgdelay", "msgdup":
				if !withTypes {
					t.Fatalf("%q drawn with no types named", a)
				}
				if a.Args[0] != types[0] && a.Args[0] != types[1] {
					t.Fatalf("%q aims at a type the harness did not name", a)
				}
				if a.Args[1] == "0" {
					open[a.Op+" "+a.Args[0]]--
				} else {
					open[a.Op+" "+a.Args[0]]++
					seen[a.Op]++
				}
			case "clock":
				var drift float64
				fmt.Sscan(a.Args[2], &drift)
				if drift < -0.33 || drift > 0.33 {
					t.Fatalf("%q: drift beyond ±0.33", a)
				}
				fastest = max(fastest, drift, -drift)
			}
		}
		for k, n := range open {
			if n != 0 {
				t.Fatalf("seed %d: %s set %d more times than cleared:\n%s", seed, k, n, s)
			}
		}
	}
	for _, op := range []string{"reboot", "msgdelay", "msgdup"} {
		if seen[op] == 0 {
			t.Errorf("no %s drawn in 300 schedules", op)
		}
	}
	if fastest <= 0.02 {
		t.Errorf("no clock drawn faster or slower than 2%%: at most %v", fastest)
	}
}

// crash is one crash of a schedule: its op, and the other nodes one
// correlated failure took down with it.
type crash struct {
	op   string
	with []string
}

// correlated returns a schedule's crashes by node and instant ("s1 2.3s").
// Crashes at one instant are one correlated failure when their nodes are
// also restarted at one instant: two failures drawn apart (each restart
// after a Stay of its own) rarely share both.
func correlated(s Schedule) map[string]crash {
	type down struct {
		node     string
		at, back time.Duration
		op       string
	}
	var downs []down
	open := map[string]int{} // node: its crash in downs, until restarted
	for _, a := range s {
		switch a.Op {
		case "crash", "crash-mid":
			open[a.Args[0]] = len(downs)
			downs = append(downs, down{node: a.Args[0], at: a.At, back: -1, op: a.Op})
		case "restart":
			if i, ok := open[a.Args[0]]; ok {
				downs[i].back = a.At
				delete(open, a.Args[0])
			}
		}
	}
	out := map[string]crash{}
	for _, d := range downs {
		c := crash{op: d.op}
		for _, e := range downs {
			if e.node != d.node && e.at == d.at && e.back == d.back {
				c.with = append(c.with, e.node)
			}
		}
		out[d.node+" "+d.at.String()] = c
	}
	return out
}

// TestSwarmDamagesOneLoneCrashedNodeAndNeverASpare: a profile with Damage
// draws at most one "damage" per schedule, of a kind the simulator knows,
// aimed at the node a lone crash (not a crash-mid, which strikes later)
// took down at that instant; that node is never taken down again and
// counts as down to the end (replayDown); a node in Spare is crashed but
// never damaged; and a profile without Damage damages nothing.
func TestSwarmDamagesOneLoneCrashedNodeAndNeverASpare(t *testing.T) {
	nodes := []string{"s0", "s1", "s2", "s3", "s4"}
	var drawn, forced, spareCrashed int
	for seed := uint64(0); seed < 2000; seed++ {
		r := node.NewRand(seed)
		p := DrawProfile(r)
		// Half the profiles as drawn; in the other half every profile
		// with crashes has damage, for many damaged schedules.
		if seed%2 == 1 {
			p.Damage = p.Crash
		}
		spare := nodes[seed%uint64(len(nodes))]
		p.Spare = []string{spare}
		maxDown := 1 + int(seed%3)
		s := p.Schedule(r, nodes, maxDown, 0, 10*time.Second)
		crashes := correlated(s)
		damages := 0
		for _, a := range s {
			if (a.Op == "crash" || a.Op == "crash-mid") && a.Args[0] == spare {
				spareCrashed++
			}
			if a.Op != "damage" {
				continue
			}
			damages++
			if !p.Damage {
				t.Fatalf("seed %d: %q drawn by a profile without damage (%v)", seed, a, p)
			}
			if a.Args[0] == spare {
				t.Fatalf("seed %d: %q damages %s, which the profile spares", seed, a, spare)
			}
			if !slices.Contains(sim.DamageKinds(), sim.DamageKind(a.Args[1])) {
				t.Fatalf("seed %d: %q: a damage kind the simulator does not know", seed, a)
			}
			if c := crashes[a.Args[0]+" "+a.At.String()]; c.op != "crash" {
				t.Fatalf("seed %d: %q drawn with no crash of that node at that instant (%q)\n%s", seed, a, c.op, s)
			} else if len(c.with) > 0 {
				t.Fatalf("seed %d: %q drawn for a crash that took %v down with it\n%s", seed, a, c.with, s)
			}
		}
		if damages > 1 {
			t.Fatalf("seed %d: %d damage actions; want at most one\n%s", seed, damages, s)
		}
		if damages == 1 {
			if seed%2 == 0 {
				drawn++
			} else {
				forced++
			}
		}
		if n := replayDown(t, s); n > maxDown {
			t.Fatalf("seed %d: %d nodes down at once, the damaged one included, more than %d\n%s", seed, n, maxDown, s)
		}
	}
	if drawn == 0 || forced < 100 {
		t.Errorf("damage drawn in %d schedules of drawn profiles and %d of profiles with damage; want some, and over 100", drawn, forced)
	}
	if spareCrashed == 0 {
		t.Error("no spare node was ever crashed: sparing it from damage was never put to the test")
	}
}
