package faults

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// builtin is the table of simlab's own operations, in the order the list
// of operations shows them: a node's life, the network's shape, clogs,
// pauses, clocks, disks, the network's rates, and calm. A NODE is a node's
// name, or a role the scenario declares (scenarios.Case.Role), such as
// "leader", resolved when the action takes place; "leader+1" is the next
// node after the leader in the role's group.
//
// The swarm draws the kinds of recurring fault in this order (crash,
// partition, clog, pause, skew) and sets the start-of-run rates in this
// order (disk, loss, dup, reorder): moving an entry with a Swarm changes
// which schedule a seed draws.
var builtin = []Op{
	{
		Name: "crash", Args: []Arg{NodeArg("NODE")}, Life: TakesDown,
		Doc:      "crash the node between events",
		Bind:     func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.Crash) },
		Coverage: []sim.FaultKind{sim.FaultDown},
		Swarm:    &Swarm{Kind: "crash", On: func(p Profile) bool { return p.Crash }, Draw: drawCrash},
	},
	{
		Name: "crash-mid", Args: []Arg{NodeArg("NODE")}, Life: TakesDown,
		Doc:      "crash the node inside its next handler call, keeping a random prefix of the call's effects",
		Bind:     func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.CrashMid) },
		Simpler:  func(a Action) []Action { return []Action{{At: a.At, Op: "crash", Args: a.Args}} },
		Coverage: []sim.FaultKind{sim.FaultArmed, sim.FaultDown},
	},
	{
		Name: "restart", Args: []Arg{NameArg("NAME")}, Life: BringsUp,
		Doc: "restart a crashed node from its factory over the same disk (and call off a crash-mid that has not struck)",
		Bind: func(b *Binder, a Action) func() {
			w := b.W
			return b.On(b.Node(a.Args[0]), func(n node.ID) {
				w.Disarm(n) // a crash-mid that has not struck yet is off
				if !w.Up(n) {
					w.Restart(n)
				}
			})
		},
	},
	{
		Name: "reboot", Args: []Arg{NodeArg("NODE"), DurArg("DUR", true, true)},
		Doc: "crash the node and restart it DUR later (1 ms if not given): a reboot quick enough that the requests of the same round (the same term, ballot or view) reach the new incarnation",
		Bind: func(b *Binder, a Action) func() {
			w, d := b.W, time.Millisecond
			if len(a.Args) == 2 {
				d, _ = ParseDur(a.Args[1])
			}
			return b.On(b.Node(a.Args[0]), func(n node.ID) {
				if !w.Up(n) {
					w.Logf("fault %s: %s is down; nothing done", a, w.Name(n))
					return
				}
				w.Crash(n)
				w.After(d, "reboot "+w.Name(n), func() {
					if !w.Up(n) {
						w.Restart(n)
					}
				})
			})
		},
		Coverage: []sim.FaultKind{sim.FaultDown}, Swarm: &Swarm{Kind: "reboot", On: func(p Profile) bool { return p.Reboot }, Draw: drawReboot},
	},
	{
		Name: "disconnect", Args: []Arg{NodeArg("NODE")},
		Doc:      "cut the node off from every other node, keeping other cuts (the classic lab's disconnect)",
		Bind:     func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.Net().Disconnect) },
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "connect", Args: []Arg{NodeArg("NODE")},
		Doc:  "restore a disconnected node's links to every node still connected",
		Bind: func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.Net().Connect) },
	},
	{
		Name: "isolate", Args: []Arg{NodeArg("NODE")},
		Doc:      "cut the node off from every other node, replacing any partition",
		Bind:     func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.Net().Isolate) },
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "partition", Args: []Arg{groupsArg("A,B|C,D[|...]", false)},
		Doc: "split the named nodes into two or more groups that cannot reach each other",
		Bind: func(b *Binder, a Action) func() {
			net := b.W.Net()
			return b.OnGroups(b.Groups(a.Args[0]), func(ids [][]node.ID) { net.Partition(ids...) })
		},
		Simpler:  dropOneMember,
		Coverage: []sim.FaultKind{sim.FaultPartition},
		Swarm:    &Swarm{Kind: "partition", On: func(p Profile) bool { return p.Partition }, Draw: drawPartition},
	},
	{
		Name: "bridge", Args: []Arg{groupsArg("A,B|X|C,D", true)},
		Doc: "split left from right except the bridge node X, which reaches both",
		Bind: func(b *Binder, a Action) func() {
			net := b.W.Net()
			return b.OnGroups(b.Groups(a.Args[0]), func(ids [][]node.ID) { net.Bridge(ids[0], ids[2], ids[1][0]) })
		},
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "ring", Args: []Arg{listArg("A,B,C,...", true)},
		Doc: "let each node reach only its two neighbours in the ring",
		Bind: func(b *Binder, a Action) func() {
			return b.OnAll(b.List(a.Args[0]), b.W.Net().Ring)
		},
		Simpler:  dropOneMember,
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "cut", Args: []Arg{listArg("A,B", false)},
		Doc: "cut the link between A and B both ways",
		Bind: func(b *Binder, a Action) func() {
			net := b.W.Net()
			return b.OnAll(b.List(a.Args[0]), func(ids []node.ID) { net.Cut(ids[0], ids[1]) })
		},
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "oneway", Args: []Arg{linkArg("A>B", false)},
		Doc: "drop every message from A to B, not the reverse",
		Bind: func(b *Binder, a Action) func() {
			net := b.W.Net()
			p := strings.Split(a.Args[0], ">")
			return b.OnAll([]Target{b.Node(p[0]), b.Node(p[1])}, func(ids []node.ID) { net.CutOneWay(ids[0], ids[1]) })
		},
		Coverage: []sim.FaultKind{sim.FaultPartition},
	},
	{
		Name: "clog", Args: []Arg{linkArg("NODE|A>B", true), DurArg("DUR", false, true)},
		Doc: "hold every message into and out of NODE (or on A→B) for DUR",
		Bind: func(b *Binder, a Action) func() {
			net := b.W.Net()
			d, _ := ParseDur(a.Args[1])
			if p := strings.Split(a.Args[0], ">"); len(p) == 2 {
				return b.OnAll([]Target{b.Node(p[0]), b.Node(p[1])}, func(ids []node.ID) { net.Clog(ids[0], ids[1], d) })
			}
			return b.On(b.Node(a.Args[0]), func(n node.ID) { net.ClogNode(n, d) })
		},
		Coverage: []sim.FaultKind{sim.FaultClog},
		Swarm:    &Swarm{Kind: "clog", On: func(p Profile) bool { return p.Clog }, Draw: drawClog},
	},
	{
		Name: "heal",
		Doc:  "remove every partition, cut, disconnection and clog",
		Bind: func(b *Binder, a Action) func() { return b.W.Net().Heal },
	},
	{
		Name: "pause", Args: []Arg{NodeArg("NODE"), DurArg("DUR", true, true)},
		Doc: "freeze the node (resumed after DUR if given)",
		Bind: func(b *Binder, a Action) func() {
			w := b.W
			var d time.Duration
			if len(a.Args) == 2 {
				d, _ = ParseDur(a.Args[1])
			}
			return b.On(b.Node(a.Args[0]), func(n node.ID) {
				w.Pause(n)
				if d > 0 {
					w.After(d, "resume "+w.Name(n), func() { w.Resume(n) })
				}
			})
		},
		Coverage: []sim.FaultKind{sim.FaultPaused},
		Swarm:    &Swarm{Kind: "pause", On: func(p Profile) bool { return p.Pause }, Draw: drawPause},
	},
	{
		Name: "resume", Args: []Arg{NodeArg("NODE")},
		Doc:  "unfreeze a paused node",
		Bind: func(b *Binder, a Action) func() { return b.On(b.Node(a.Args[0]), b.W.Resume) },
	},
	{
		Name: "clock", Args: []Arg{NodeArg("NODE"), skewArg, driftArg},
		Doc: "set the node's clock SKEW ahead, gaining DRIFT s/s",
		Bind: func(b *Binder, a Action) func() {
			w := b.W
			skew, _ := time.ParseDuration(a.Args[1])
			drift, _ := strconv.ParseFloat(a.Args[2], 64)
			return b.On(b.Node(a.Args[0]), func(n node.ID) { w.SetClock(n, skew, drift) })
		},
		Coverage: []sim.FaultKind{sim.FaultSkew},
		Swarm:    &Swarm{Kind: "skew", On: func(p Profile) bool { return p.Skew }, Draw: drawSkew},
	},
	{
		Name: "disk", Args: []Arg{WordArg("disk", "torn|clean", "torn", "clean")},
		Doc: "whether a crash may tear the last unsynced append",
		Bind: func(b *Binder, a Action) func() {
			w, torn := b.W, a.Args[0] == "torn"
			return func() {
				cfg := w.DiskConfig()
				cfg.Torn = torn
				w.SetDiskConfig(cfg)
			}
		},
		Coverage: []sim.FaultKind{sim.FaultTorn},
		Swarm: &Swarm{Setting: func(p Profile) []string {
			if p.Torn {
				return []string{"torn"}
			}
			return nil
		}},
	},
	{
		Name: "loss", Args: []Arg{ProbArg("P")},
		Doc: "drop each message with probability P",
		Bind: func(b *Binder, a Action) func() {
			p, _ := ParseProb(a.Args[0])
			return b.SetLink(func(l *sim.LinkConfig) { l.Loss = p })
		},
		Coverage: []sim.FaultKind{sim.FaultLoss},
		Swarm:    &Swarm{Setting: rate(func(p Profile) float64 { return p.Loss })},
	},
	{
		Name: "dup", Args: []Arg{ProbArg("P")},
		Doc: "deliver each message twice with probability P",
		Bind: func(b *Binder, a Action) func() {
			p, _ := ParseProb(a.Args[0])
			return b.SetLink(func(l *sim.LinkConfig) { l.Dup = p })
		},
		Coverage: []sim.FaultKind{sim.FaultDup},
		Swarm:    &Swarm{Setting: rate(func(p Profile) float64 { return p.Dup })},
	},
	{
		Name: "reorder", Args: []Arg{ProbArg("P"), DurArg("MEAN", false, true), DurArg("MAX", true, false)},
		Doc: "delay each message with probability P by an exponential extra of mean MEAN, capped at MAX (default 20×MEAN)",
		Bind: func(b *Binder, a Action) func() {
			p, mean, most := tail(a.Args)
			return b.SetLink(func(l *sim.LinkConfig) { l.TailProb, l.TailMean, l.TailMax = p, mean, most })
		},
		Coverage: []sim.FaultKind{sim.FaultTail},
		Swarm: &Swarm{Setting: func(p Profile) []string {
			if p.Reorder > 0 {
				return []string{fmt.Sprint(p.Reorder), (50 * time.Millisecond).String()}
			}
			return nil
		}},
	},
	{
		Name: "msgdelay", Args: []Arg{{Name: "TYPE"}, ProbArg("P"), DurArg("MEAN", false, true), DurArg("MAX", true, false)},
		Doc: "delay each message of Go type TYPE (AppendEntriesReply, or raft.AppendEntriesReply) with probability P by an exponential extra of mean MEAN, capped at MAX (default 20×MEAN): an old answer arrives after the state it answered has changed",
		Bind: func(b *Binder, a Action) func() {
			p, mean, most := tail(a.Args[1:])
			return b.SetTypeFault(a.Args[0], func(f *sim.TypeFault) { f.TailProb, f.TailMean, f.TailMax = p, mean, most })
		},
		Coverage: []sim.FaultKind{sim.FaultTail},
		Swarm:    &Swarm{Kind: "aimed", On: func(p Profile) bool { return p.Aimed && len(p.Types) > 0 }, Draw: drawAimed},
	},
	{
		Name: "msgdup", Args: []Arg{{Name: "TYPE"}, ProbArg("P")},
		Doc: "deliver each message of Go type TYPE twice with probability P",
		Bind: func(b *Binder, a Action) func() {
			p, _ := ParseProb(a.Args[1])
			return b.SetTypeFault(a.Args[0], func(f *sim.TypeFault) { f.Dup = p })
		},
		Coverage: []sim.FaultKind{sim.FaultDup},
	},
	{
		Name: "latency", Args: []Arg{DurArg("MIN", false, false), DurArg("SPREAD", false, true)},
		Doc: "one-way latency uniform in [MIN, MIN+SPREAD]",
		Bind: func(b *Binder, a Action) func() {
			lo, _ := ParseDur(a.Args[0])
			spread, _ := ParseDur(a.Args[1])
			return b.SetLink(func(l *sim.LinkConfig) { l.LatencyMin, l.LatencySpread = lo, spread })
		},
	},
	{
		Name: "damage", Args: []Arg{NodeArg("NODE"), WordArg("damage", "flip|zero|truncate|lose", damageKinds()...), {Name: "FILE", Optional: true}},
		Doc: "damage the node's synced data, in one file (FILE, or one drawn from the seed): flip a byte, zero it, cut its end off, or lose it; the node sees it at its next boot, and must refuse to start rather than forget a promise",
		Bind: func(b *Binder, a Action) func() {
			w, kind, file := b.W, sim.DamageKind(a.Args[1]), ""
			if len(a.Args) == 3 {
				file = a.Args[2]
			}
			return b.On(b.Node(a.Args[0]), func(n node.ID) { w.Damage(n, kind, file) })
		},
		Coverage: []sim.FaultKind{sim.FaultDamage},
	},
	{
		Name: "calm", Life: RevivesAll,
		Doc: "end of the fault phase: heal, restore the network (its links and the messages of every type) and clocks, call off armed crashes, resume and restart every node",
		Bind: func(b *Binder, a Action) func() {
			w, base := b.W, b.Base
			return func() {
				w.Net().Heal()
				w.Net().SetDefault(base)
				w.Net().ClearTypeFaults()
				for _, n := range w.Nodes() {
					w.Disarm(n)
					w.SetClock(n, 0, 0)
					w.Resume(n)
					if !w.Up(n) {
						w.Restart(n)
					}
				}
			}
		},
	},
}

// tail reads a long tail's arguments, P MEAN [MAX], MAX 20×MEAN when left
// out.
func tail(args []string) (p float64, mean, most time.Duration) {
	p, _ = ParseProb(args[0])
	mean, _ = ParseDur(args[1])
	most = 20 * mean
	if len(args) == 3 {
		most, _ = ParseDur(args[2])
	}
	return p, mean, most
}

func damageKinds() []string {
	var out []string
	for _, k := range sim.DamageKinds() {
		out = append(out, string(k))
	}
	return out
}

// rate is the Setting of an operation that takes one probability, set
// when the profile's rate is not zero.
func rate(of func(Profile) float64) func(Profile) []string {
	return func(p Profile) []string {
		if r := of(p); r > 0 {
			return []string{fmt.Sprint(r)}
		}
		return nil
	}
}

// dropOneMember lists a partition (or ring) with one node fewer, each node
// in turn; a partition never loses a group of one that way.
func dropOneMember(a Action) []Action {
	ring := a.Op == "ring"
	sep := "|"
	if ring {
		sep = ","
	}
	var out []Action
	groups := strings.Split(a.Args[0], sep)
	for gi, g := range groups {
		members := strings.Split(g, ",")
		if ring {
			members = []string{g}
		}
		for mi := range members {
			if len(members) == 1 && !ring {
				continue
			}
			trial := slices.Clone(groups)
			if ring {
				trial = slices.Delete(trial, gi, gi+1)
			} else {
				trial[gi] = strings.Join(slices.Delete(slices.Clone(members), mi, mi+1), ",")
			}
			out = append(out, Action{At: a.At, Op: a.Op, Args: append([]string{strings.Join(trial, sep)}, a.Args[1:]...)})
		}
	}
	return out
}
