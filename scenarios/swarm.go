package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Profile is a swarm fault profile: which kinds of fault a run injects and
// how hard. Drawing the profile itself from the seed (swarm testing) means a
// sweep explores runs dominated by one fault as well as runs with every
// fault at once, which finds bugs a fixed mix hides.
type Profile struct {
	Crash    bool // crash and later restart nodes, sometimes several at once
	CrashMid bool // some crashes happen inside a handler
	Torn     bool // crashes may tear the last unsynced append
	Damage   bool // one crash damages the node's synced data too, and it stays down
	// Spare names nodes damage never aims at: one the run cannot finish
	// without (a lone coordinator), since a damaged node stays down.
	Spare     []string
	Partition bool          // partitions of every shape
	Clog      bool          // clog a node's links for a while
	Pause     bool          // pause nodes for a while
	Skew      bool          // skew and drift clocks
	Loss      float64       // message loss probability
	Dup       float64       // message duplication probability
	Reorder   float64       // probability of a long extra delay
	Gap       time.Duration // mean time between fault actions
}

// DrawProfile draws a profile: each kind of fault is on with probability
// one half, with an intensity drawn too.
func DrawProfile(r *node.Rand) Profile {
	p := Profile{
		Crash:     r.Chance(0.5),
		Torn:      r.Chance(0.5),
		Partition: r.Chance(0.5),
		Clog:      r.Chance(0.5),
		Pause:     r.Chance(0.5),
		Skew:      r.Chance(0.5),
		Gap:       r.Duration(100*time.Millisecond, time.Second).Round(time.Millisecond),
	}
	p.CrashMid = p.Crash && r.Chance(0.5)
	if r.Chance(0.5) {
		p.Loss = float64(r.IntN(30)+1) / 100
	}
	if r.Chance(0.5) {
		p.Dup = float64(r.IntN(20)+1) / 100
	}
	if r.Chance(0.5) {
		p.Reorder = float64(r.IntN(20)+1) / 100
	}
	// Damage is rare, drawn last, and only with crashes: it keeps a node
	// down for good, which most runs should not spend a node on.
	p.Damage = p.Crash && r.Chance(1.0/8)
	return p
}

// String lists the faults that are on.
func (p Profile) String() string {
	var on []string
	for _, f := range []struct {
		on   bool
		name string
	}{{p.Crash, "crash"}, {p.CrashMid, "crash-mid"}, {p.Torn, "torn"}, {p.Damage, "damage"}, {p.Partition, "partition"},
		{p.Clog, "clog"}, {p.Pause, "pause"}, {p.Skew, "skew"}} {
		if f.on {
			on = append(on, f.name)
		}
	}
	if p.Loss > 0 {
		on = append(on, fmt.Sprintf("loss=%.2f", p.Loss))
	}
	if p.Dup > 0 {
		on = append(on, fmt.Sprintf("dup=%.2f", p.Dup))
	}
	if p.Reorder > 0 {
		on = append(on, fmt.Sprintf("reorder=%.2f", p.Reorder))
	}
	if len(on) == 0 {
		return "no faults"
	}
	return strings.Join(on, " ") + fmt.Sprintf(" every ~%v", p.Gap.Round(time.Millisecond))
}

// Schedule draws a fault schedule from the profile for the given nodes over
// [start, end), ending with "calm" at end, so that a liveness phase can
// follow. At most maxDown of the nodes are crashed or paused at any time.
// With Damage, one crash of a single node also damages its synced data
// ("damage NODE KIND"): that node refuses to start at its restart and
// counts as down to the end of the run, so the others must carry on.
func (p Profile) Schedule(r *node.Rand, nodes []string, maxDown int, start, end time.Duration) Schedule {
	var s Schedule
	add := func(at time.Duration, op string, args ...string) {
		s = append(s, Action{At: at.Round(time.Millisecond), Op: op, Args: args})
	}
	if p.Torn {
		add(start, "disk", "torn")
	}
	if p.Loss > 0 {
		add(start, "loss", fmt.Sprint(p.Loss))
	}
	if p.Dup > 0 {
		add(start, "dup", fmt.Sprint(p.Dup))
	}
	if p.Reorder > 0 {
		add(start, "reorder", fmt.Sprint(p.Reorder), (50 * time.Millisecond).String())
	}
	var kinds []string
	for _, k := range []struct {
		on   bool
		name string
	}{{p.Crash, "crash"}, {p.Partition, "partition"}, {p.Clog, "clog"}, {p.Pause, "pause"}, {p.Skew, "skew"}} {
		if k.on {
			kinds = append(kinds, k.name)
		}
	}
	downUntil := make([]time.Duration, len(nodes))
	damaged := false
	t := start
	for len(kinds) > 0 {
		t += time.Duration(r.ExpFloat64() * float64(p.Gap))
		if t >= end {
			break
		}
		var up []int
		down := 0
		for i, u := range downUntil {
			if u > t {
				down++
			} else {
				up = append(up, i)
			}
		}
		stay := r.Duration(p.Gap/2, 3*p.Gap).Round(time.Millisecond)
		switch kinds[r.IntN(len(kinds))] {
		case "crash":
			if down >= maxDown || len(up) == 0 {
				continue
			}
			// Mostly one node; a quarter of the time a correlated
			// failure (a rack losing power) takes down several at
			// once, which is what exposes durability bugs in quorum
			// systems.
			k := 1
			if r.Chance(0.25) {
				k = 1 + r.IntN(min(maxDown-down, len(up)))
			}
			back := min(t+stay, end)
			for _, j := range r.Perm(len(up))[:k] {
				i := up[j]
				op := "crash"
				if p.CrashMid && r.Chance(0.5) {
					op = "crash-mid"
				}
				add(t, op, nodes[i])
				add(back, "restart", nodes[i])
				downUntil[i] = back
				if p.Damage && !damaged && k == 1 && op == "crash" && !slices.Contains(p.Spare, nodes[i]) && r.Chance(0.5) {
					// Damage once the crash has struck (a crash-mid
					// strikes later), before the restart.
					kinds := sim.DamageKinds()
					add(t, "damage", nodes[i], string(kinds[r.IntN(len(kinds))]))
					downUntil[i] = math.MaxInt64
					damaged = true
				}
			}
		case "pause":
			if down >= maxDown || len(up) == 0 {
				continue
			}
			i := up[r.IntN(len(up))]
			d := min(stay, end-t).Round(time.Millisecond)
			add(t, "pause", nodes[i], d.String())
			downUntil[i] = t + d
		case "partition":
			shape := drawShape(r, nodes)
			add(t, shape[0], shape[1:]...)
			add(min(t+stay, end), "heal")
		case "clog":
			add(t, "clog", nodes[r.IntN(len(nodes))], min(stay, end-t).Round(time.Millisecond).String())
		case "skew":
			skew := r.Duration(-500*time.Millisecond, 500*time.Millisecond).Round(time.Millisecond)
			drift := float64(r.IntN(41)-20) / 1000 // ±2%
			add(t, "clock", nodes[r.IntN(len(nodes))], skew.String(), fmt.Sprint(drift))
		}
	}
	add(end, "calm")
	slices.SortStableFunc(s, func(a, b Action) int { return cmp.Compare(a.At, b.At) })
	return s
}

// drawShape draws a partition of one of the named shapes, as an action's
// op and arguments.
func drawShape(r *node.Rand, nodes []string) []string {
	perm := r.Perm(len(nodes))
	pick := make([]string, len(nodes))
	for i, j := range perm {
		pick[i] = nodes[j]
	}
	n := len(nodes)
	shapes := []string{"isolate", "split", "oneway"}
	if n >= 3 {
		shapes = append(shapes, "bridge", "ring")
	}
	switch shapes[r.IntN(len(shapes))] {
	case "isolate":
		return []string{"isolate", pick[0]}
	case "oneway":
		return []string{"oneway", pick[0] + ">" + pick[1%n]}
	case "bridge":
		left := (n - 1) / 2
		return []string{"bridge", strings.Join(pick[:left], ",") + "|" + pick[left] + "|" + strings.Join(pick[left+1:], ",")}
	case "ring":
		return []string{"ring", strings.Join(pick, ",")}
	default: // majority and minority
		k := r.IntN(n/2) + 1
		if n == 1 {
			return []string{"isolate", pick[0]}
		}
		return []string{"partition", strings.Join(pick[:k], ",") + "|" + strings.Join(pick[k:], ",")}
	}
}
