package faults

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
	Partition bool // partitions of every shape
	Clog      bool // clog a node's links for a while
	Pause     bool // pause nodes for a while
	Skew      bool // skew clocks and change their rates
	Reboot    bool // crash nodes and restart them within milliseconds
	// Aimed holds back or duplicates the messages of one type at a time,
	// drawn from Types: the harness names the types worth aiming at (the
	// replies of a round, say); none, and Aimed does nothing.
	Aimed bool
	Types []string
	// Sockets resets or aborts a node's stream connections (a guest
	// node's; see package guest): DrawProfile never sets it, since only
	// a harness of guest nodes knows its nodes have any.
	Sockets bool
	// Duel has several peers propose on one new instance at the same
	// instant (a Paxos harness's; see the duel operation): DrawProfile
	// never sets it, since only such a harness has instances to duel on.
	Duel    bool
	Loss    float64       // message loss probability
	Dup     float64       // message duplication probability
	Reorder float64       // probability of a long extra delay
	Gap     time.Duration // mean time between fault actions
}

// Swarm is what a swarm profile draws of one operation: a setting the run
// starts with, or a kind of fault that recurs through the fault phase.
type Swarm struct {
	// Setting returns the arguments of an action at the start of the
	// fault phase under profile p, or nil for none: "loss 0.3".
	Setting func(p Profile) []string
	// Kind names a recurring fault ("crash", "skew"), On says whether p
	// has it, and Draw adds one occurrence at d.T. Every kind p has is
	// drawn equally often, Weight times as often as a kind of weight 1
	// (0 means 1).
	Kind   string
	On     func(p Profile) bool
	Weight int
	Draw   func(d *Draw)
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
	// Drawn after the others, so that adding them left every older
	// field's draw where it was.
	p.Reboot = r.Chance(0.5)
	p.Aimed = r.Chance(0.5)
	return p
}

// String lists the faults that are on.
func (p Profile) String() string {
	var on []string
	for _, f := range []struct {
		on   bool
		name string
	}{{p.Crash, "crash"}, {p.CrashMid, "crash-mid"}, {p.Torn, "torn"}, {p.Damage, "damage"}, {p.Partition, "partition"},
		{p.Clog, "clog"}, {p.Pause, "pause"}, {p.Skew, "skew"}, {p.Reboot, "reboot"}, {p.Aimed && len(p.Types) > 0, "aimed"}, {p.Sockets, "sockets"}, {p.Duel, "duel"}} {
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

// Draw is the state of one swarm draw, handed to Swarm.Draw: the profile,
// the nodes and how many may be down at once, the time of the occurrence
// (T) and how long its fault stays (Stay), and which nodes are down until
// when.
type Draw struct {
	R       *node.Rand
	P       Profile
	Nodes   []string
	MaxDown int
	T, End  time.Duration
	Stay    time.Duration // drawn for every occurrence, in [Gap/2, 3·Gap)

	downUntil []time.Duration
	damaged   bool
	s         Schedule
}

// Add appends an action at time at.
func (d *Draw) Add(at time.Duration, op string, args ...string) {
	d.s = append(d.s, Action{At: at.Round(time.Millisecond), Op: op, Args: args})
}

// Up lists the indexes of the nodes that are up (neither crashed nor
// paused) at T, and counts those that are down.
func (d *Draw) Up() (up []int, down int) {
	for i, u := range d.downUntil {
		if u > d.T {
			down++
		} else {
			up = append(up, i)
		}
	}
	return up, down
}

// DownUntil marks node i down until t.
func (d *Draw) DownUntil(i int, t time.Duration) { d.downUntil[i] = t }

// Schedule draws a fault schedule from the profile for the given nodes over
// [start, end), ending with "calm" at end, so that a liveness phase can
// follow: first every operation's start-of-run Setting, then occurrences of
// the recurring kinds the profile has, an exponential gap apart, each of a
// kind drawn by weight. At most maxDown of the nodes are crashed or paused
// at any time. With Damage, one crash of a single node also damages its
// synced data ("damage NODE KIND"): that node refuses to start at its
// restart and counts as down to the end of the run, so the others must
// carry on.
func (p Profile) Schedule(r *node.Rand, nodes []string, maxDown int, start, end time.Duration) Schedule {
	d := &Draw{R: r, P: p, Nodes: nodes, MaxDown: maxDown, End: end, downUntil: make([]time.Duration, len(nodes))}
	var kinds []*Swarm
	total := 0
	for _, o := range Ops() {
		sw := o.Swarm
		if sw == nil {
			continue
		}
		if sw.Setting != nil {
			if args := sw.Setting(p); args != nil {
				d.Add(start, o.Name, args...)
			}
		}
		if sw.Draw != nil && sw.On(p) {
			kinds = append(kinds, sw)
			total += max(sw.Weight, 1)
		}
	}
	d.T = start
	for total > 0 {
		d.T += time.Duration(r.ExpFloat64() * float64(p.Gap))
		if d.T >= end {
			break
		}
		d.Stay = r.Duration(p.Gap/2, 3*p.Gap).Round(time.Millisecond)
		pick := r.IntN(total)
		for _, k := range kinds {
			if pick -= max(k.Weight, 1); pick < 0 {
				k.Draw(d)
				break
			}
		}
	}
	d.Add(end, "calm")
	slices.SortStableFunc(d.s, func(a, b Action) int { return cmp.Compare(a.At, b.At) })
	return d.s
}

// drawCrash crashes one node, or a quarter of the time several at once,
// and restarts them after Stay; with Damage, once per run, a lone crash
// also damages the node's synced data and it stays down.
func drawCrash(d *Draw) {
	up, down := d.Up()
	if down >= d.MaxDown || len(up) == 0 {
		return
	}
	r, t := d.R, d.T
	// Mostly one node; a quarter of the time a correlated failure (a rack
	// losing power) takes down several at once, which is what exposes
	// durability bugs in quorum systems.
	k := 1
	if r.Chance(0.25) {
		k = 1 + r.IntN(min(d.MaxDown-down, len(up)))
	}
	back := min(t+d.Stay, d.End)
	for _, j := range r.Perm(len(up))[:k] {
		i := up[j]
		op := "crash"
		if d.P.CrashMid && r.Chance(0.5) {
			op = "crash-mid"
		}
		d.Add(t, op, d.Nodes[i])
		d.Add(back, "restart", d.Nodes[i])
		d.DownUntil(i, back)
		if d.P.Damage && !d.damaged && k == 1 && op == "crash" && !slices.Contains(d.P.Spare, d.Nodes[i]) && r.Chance(0.5) {
			// Damage once the crash has struck (a crash-mid strikes
			// later), before the restart.
			kinds := sim.DamageKinds()
			d.Add(t, "damage", d.Nodes[i], string(kinds[r.IntN(len(kinds))]))
			d.DownUntil(i, math.MaxInt64)
			d.damaged = true
		}
	}
}

// drawPause pauses one node that is up for Stay.
func drawPause(d *Draw) {
	up, down := d.Up()
	if down >= d.MaxDown || len(up) == 0 {
		return
	}
	i := up[d.R.IntN(len(up))]
	dur := min(d.Stay, d.End-d.T).Round(time.Millisecond)
	d.Add(d.T, "pause", d.Nodes[i], dur.String())
	d.DownUntil(i, d.T+dur)
}

// drawPartition splits the network in a shape drawn from the seed and
// heals it after Stay.
func drawPartition(d *Draw) {
	shape := drawShape(d.R, d.Nodes)
	d.Add(d.T, shape[0], shape[1:]...)
	d.Add(min(d.T+d.Stay, d.End), "heal")
}

// drawClog clogs one node's links for Stay.
func drawClog(d *Draw) {
	d.Add(d.T, "clog", d.Nodes[d.R.IntN(len(d.Nodes))], min(d.Stay, d.End-d.T).Round(time.Millisecond).String())
}

// drawSkew sets one node's clock up to half a second off, running at a
// rate up to a third slower or faster than real time (drift in ±0.33: as
// far as the election timers of simlab's Raft tolerate; see "Clock rates"
// in catalogue/raftcat/README.md).
func drawSkew(d *Draw) {
	r := d.R
	skew := r.Duration(-500*time.Millisecond, 500*time.Millisecond).Round(time.Millisecond)
	drift := float64(r.IntN(2*maxSwarmDriftPermille+1)-maxSwarmDriftPermille) / 1000
	d.Add(d.T, "clock", d.Nodes[r.IntN(len(d.Nodes))], skew.String(), fmt.Sprint(drift))
}

// maxSwarmDriftPermille bounds the swarm's clock-rate faults, in s/ks.
const maxSwarmDriftPermille = 330

// drawReboot crashes one node that is up and restarts it 1–20 ms later:
// the requests of the round it was in (its term, ballot, view) still
// reach the new incarnation.
func drawReboot(d *Draw) {
	up, down := d.Up()
	if down >= d.MaxDown || len(up) == 0 {
		return
	}
	i := up[d.R.IntN(len(up))]
	dur := d.R.Duration(time.Millisecond, 20*time.Millisecond).Round(time.Millisecond)
	d.Add(d.T, "reboot", d.Nodes[i], dur.String())
	d.DownUntil(i, d.T+dur)
}

// drawAimed holds back the messages of one type drawn from the profile's
// Types (a long tail, up to 2 s) or duplicates them, for Stay.
func drawAimed(d *Draw) {
	r, typ := d.R, d.P.Types[d.R.IntN(len(d.P.Types))]
	p := fmt.Sprint(float64(r.IntN(41)+10) / 100) // 10%–50%
	back := min(d.T+d.Stay, d.End)
	if r.Chance(0.5) {
		mean := r.Duration(20*time.Millisecond, 400*time.Millisecond).Round(time.Millisecond)
		d.Add(d.T, "msgdelay", typ, p, mean.String(), "2s")
		d.Add(back, "msgdelay", typ, "0", mean.String(), "2s")
		return
	}
	d.Add(d.T, "msgdup", typ, p)
	d.Add(back, "msgdup", typ, "0")
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
		if n == 1 {
			return []string{"isolate", pick[0]}
		}
		k := r.IntN(n/2) + 1
		return []string{"partition", strings.Join(pick[:k], ",") + "|" + strings.Join(pick[k:], ",")}
	}
}
