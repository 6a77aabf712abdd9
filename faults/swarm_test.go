package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

func TestDrawProfileExploresEveryMix(t *testing.T) {
	on := map[string]int{}
	const draws = 2000
	for seed := uint64(0); seed < draws; seed++ {
		p := DrawProfile(node.NewRand(seed))
		for name, v := range map[string]bool{
			"crash": p.Crash, "crash-mid": p.CrashMid, "torn": p.Torn, "partition": p.Partition,
			"clog": p.Clog, "pause": p.Pause, "skew": p.Skew, "loss": p.Loss > 0, "dup": p.Dup > 0, "reorder": p.Reorder > 0,
			"reboot": p.Reboot, "aimed": p.Aimed,
		} {
			if v {
				on[name]++
			}
		}
		if p.CrashMid && !p.Crash {
			t.Fatalf("profile %v: crash-mid without crash", p)
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
}

// replayDown follows a schedule's crashes, restarts and pauses and returns
// the most nodes down at once, failing on a restart of a running node.
func replayDown(t *testing.T, s Schedule) int {
	t.Helper()
	downUntil := map[string]time.Duration{}
	crashed := map[string]bool{}
	most := 0
	for _, a := range s {
		for n, until := range downUntil {
			if until <= a.At {
				delete(downUntil, n)
			}
		}
		switch a.Op {
		case "crash", "crash-mid":
			if crashed[a.Args[0]] {
				t.Fatalf("%q crashes a node that is already down", a)
			}
			crashed[a.Args[0]] = true
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
		if n := len(crashed) + len(downUntil); n > most {
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
