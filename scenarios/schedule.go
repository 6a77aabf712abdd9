package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Action is one timed fault. Its text form is "AT OP ARGS...", for example
// "1.5s crash s1" or "3s partition s0,s1|s2,s3,s4"; see Ops for every
// operation and its arguments.
type Action struct {
	At   time.Duration
	Op   string
	Args []string
}

// Schedule is a fault schedule: actions in time order. Its text form joins
// actions with "; ".
type Schedule []Action

// OpSpec documents one fault operation.
type OpSpec struct {
	Op, Args, Doc string
}

// Ops lists every operation a schedule may use.
var Ops = []OpSpec{
	{"crash", "NODE", "crash the node between events"},
	{"crash-mid", "NODE", "crash the node inside its next handler call, keeping a random prefix of the call's effects"},
	{"restart", "NODE", "restart a crashed node from its factory over the same disk (and call off a crash-mid that has not struck)"},
	{"pause", "NODE [DUR]", "freeze the node (resumed after DUR if given)"},
	{"resume", "NODE", "unfreeze a paused node"},
	{"isolate", "NODE", "cut the node off from every other node"},
	{"partition", "A,B|C,D[|...]", "split the named nodes into groups that cannot reach each other"},
	{"bridge", "A,B|X|C,D", "split left from right except the bridge node X, which reaches both"},
	{"ring", "A,B,C,...", "let each node reach only its two neighbours in the ring"},
	{"cut", "A,B", "cut the link between A and B both ways"},
	{"oneway", "A>B", "drop every message from A to B, not the reverse"},
	{"clog", "NODE|A>B DUR", "hold every message into and out of NODE (or on A→B) for DUR"},
	{"heal", "", "remove every partition, cut and clog"},
	{"loss", "P", "drop each message with probability P"},
	{"dup", "P", "deliver each message twice with probability P"},
	{"reorder", "P MEAN", "delay each message with probability P by an exponential extra of mean MEAN (capped at 20×MEAN)"},
	{"latency", "MIN SPREAD", "one-way latency uniform in [MIN, MIN+SPREAD]"},
	{"clock", "NODE SKEW DRIFT", "set the node's clock SKEW ahead, gaining DRIFT s/s"},
	{"disk", "torn|clean", "whether a crash may tear the last unsynced append"},
	{"calm", "", "end of the fault phase: heal, restore the network and clocks, call off armed crashes, resume and restart every node"},
}

var opArgs = map[string][2]int{ // op → {min args, max args}
	"crash": {1, 1}, "crash-mid": {1, 1}, "restart": {1, 1}, "pause": {1, 2}, "resume": {1, 1},
	"isolate": {1, 1}, "partition": {1, 1}, "bridge": {1, 1}, "ring": {1, 1}, "cut": {1, 1},
	"oneway": {1, 1}, "clog": {2, 2}, "heal": {0, 0}, "loss": {1, 1}, "dup": {1, 1},
	"reorder": {2, 2}, "latency": {2, 2}, "clock": {3, 3}, "disk": {1, 1}, "calm": {0, 0},
}

// String formats the action in its text form.
func (a Action) String() string {
	s := a.At.String() + " " + a.Op
	if len(a.Args) > 0 {
		s += " " + strings.Join(a.Args, " ")
	}
	return s
}

// String formats the schedule in its text form; "none" when empty.
func (s Schedule) String() string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, a := range s {
		parts[i] = a.String()
	}
	return strings.Join(parts, "; ")
}

// ParseSchedule parses a schedule's text form: actions separated by ";" or
// newlines, blank parts and "#" comments ignored, "none" for no faults.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	text = strings.ReplaceAll(text, "\n", ";")
	if strings.TrimSpace(text) == "none" {
		return Schedule{}, nil
	}
	for _, part := range strings.Split(text, ";") {
		if i := strings.Index(part, "#"); i >= 0 {
			part = part[:i]
		}
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("fault action %q: want \"AT OP ARGS\", e.g. \"1.5s crash s1\"", strings.TrimSpace(part))
		}
		at, err := time.ParseDuration(f[0])
		if err != nil || at < 0 {
			return nil, fmt.Errorf("fault action %q: %q is not a time; write a Go duration such as 1.5s or 300ms", strings.TrimSpace(part), f[0])
		}
		a := Action{At: at, Op: f[1], Args: f[2:]}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		s = append(s, a)
	}
	for i := 1; i < len(s); i++ {
		if s[i].At < s[i-1].At {
			return nil, fmt.Errorf("fault action %q comes before %q in time: list actions in time order", s[i], s[i-1])
		}
	}
	return s, nil
}

// Validate checks an action's operation and arguments, without a world.
func (a Action) Validate() error {
	n, ok := opArgs[a.Op]
	if !ok {
		ops := make([]string, len(Ops))
		for i, o := range Ops {
			ops[i] = o.Op
		}
		return fmt.Errorf("fault action %q: unknown operation %q; known: %s", a, a.Op, strings.Join(ops, ", "))
	}
	if len(a.Args) < n[0] || len(a.Args) > n[1] {
		for _, o := range Ops {
			if o.Op == a.Op {
				return fmt.Errorf("fault action %q: %s takes %q", a, a.Op, o.Args)
			}
		}
	}
	bad := func(what string) error { return fmt.Errorf("fault action %q: %s", a, what) }
	switch a.Op {
	case "pause":
		if len(a.Args) == 2 {
			if _, err := parseDur(a.Args[1]); err != nil {
				return bad(err.Error())
			}
		}
	case "clog":
		if _, err := parseDur(a.Args[1]); err != nil {
			return bad(err.Error())
		}
	case "loss", "dup":
		if _, err := parseProb(a.Args[0]); err != nil {
			return bad(err.Error())
		}
	case "reorder":
		if _, err := parseProb(a.Args[0]); err != nil {
			return bad(err.Error())
		}
		if _, err := parseDur(a.Args[1]); err != nil {
			return bad(err.Error())
		}
	case "latency":
		for _, s := range a.Args {
			if _, err := parseDur(s); err != nil {
				return bad(err.Error())
			}
		}
	case "clock":
		if _, err := time.ParseDuration(a.Args[1]); err != nil {
			return bad(fmt.Sprintf("skew %q is not a duration", a.Args[1]))
		}
		if d, err := strconv.ParseFloat(a.Args[2], 64); err != nil || d <= -1 {
			return bad(fmt.Sprintf("drift %q must be a number greater than -1", a.Args[2]))
		}
	case "disk":
		if a.Args[0] != "torn" && a.Args[0] != "clean" {
			return bad("disk takes torn or clean")
		}
	case "bridge":
		if g := strings.Split(a.Args[0], "|"); len(g) != 3 || strings.Contains(g[1], ",") {
			return bad("bridge takes LEFT|BRIDGE|RIGHT with one bridge node, e.g. s0,s1|s2|s3,s4")
		}
	case "oneway":
		if len(strings.Split(a.Args[0], ">")) != 2 {
			return bad("oneway takes FROM>TO")
		}
	case "cut":
		if len(strings.Split(a.Args[0], ",")) != 2 {
			return bad("cut takes A,B")
		}
	}
	return nil
}

func parseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a non-negative duration such as 500ms", s)
	}
	return d, nil
}

func parseProb(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 || p > 1 {
		return 0, fmt.Errorf("%q is not a probability in [0, 1]", s)
	}
	return p, nil
}

// Apply schedules every action on w. Node names must exist in w. The
// network's default link and the disk configuration at the time of the call
// are what "calm" restores.
func (s Schedule) Apply(w *sim.World) error { return s.apply(w, nil) }

// apply is Apply with a hook called as each action takes place. Actions
// of one instant take place in the order listed, as one world event: the
// World runs separate events of one instant in a seed-drawn order, which
// would make "6s crash-mid s0; 6s restart s0" mean either thing.
func (s Schedule) apply(w *sim.World, hook func(Action)) error {
	base := w.Net().Default()
	var fns []func()
	var labels []string
	flush := func(at time.Duration) {
		if len(fns) == 0 {
			return
		}
		group := fns
		w.At(at, strings.Join(labels, "; "), func() {
			for _, fn := range group {
				fn()
			}
		})
		fns, labels = nil, nil
	}
	for i, a := range s {
		if err := a.Validate(); err != nil {
			return err
		}
		fn, err := a.bind(w, base)
		if err != nil {
			return err
		}
		if hook != nil {
			a, inner := a, fn
			fn = func() { hook(a); inner() }
		}
		if i > 0 && a.At != s[i-1].At {
			flush(s[i-1].At)
		}
		fns, labels = append(fns, fn), append(labels, a.String())
	}
	if len(s) > 0 {
		flush(s[len(s)-1].At)
	}
	return nil
}

// bind resolves an action's node names against w and returns the closure
// that performs it.
func (a Action) bind(w *sim.World, base sim.LinkConfig) (func(), error) {
	var err error
	id := func(name string) node.ID {
		v, ok := w.Lookup(name)
		if !ok && err == nil {
			var names []string
			for _, n := range w.Nodes() {
				names = append(names, w.Name(n))
			}
			err = fmt.Errorf("fault action %q names node %q, which this scenario does not have; its nodes are %s", a, name, strings.Join(names, ", "))
		}
		return v
	}
	ids := func(list string) []node.ID {
		var out []node.ID
		for _, name := range strings.Split(list, ",") {
			out = append(out, id(name))
		}
		return out
	}
	groups := func(spec string) [][]node.ID {
		var out [][]node.ID
		for _, g := range strings.Split(spec, "|") {
			out = append(out, ids(g))
		}
		return out
	}
	setLink := func(f func(*sim.LinkConfig)) func() {
		return func() {
			l := w.Net().Default()
			f(&l)
			w.Net().SetDefault(l)
		}
	}
	var fn func()
	switch a.Op {
	case "crash":
		n := id(a.Args[0])
		fn = func() { w.Crash(n) }
	case "crash-mid":
		n := id(a.Args[0])
		fn = func() { w.CrashMid(n) }
	case "restart":
		n := id(a.Args[0])
		fn = func() {
			w.Disarm(n) // a crash-mid that has not struck yet is off
			if !w.Up(n) {
				w.Restart(n)
			}
		}
	case "pause":
		n := id(a.Args[0])
		var d time.Duration
		if len(a.Args) == 2 {
			d, _ = parseDur(a.Args[1])
		}
		fn = func() {
			w.Pause(n)
			if d > 0 {
				w.After(d, fmt.Sprintf("resume %s", a.Args[0]), func() { w.Resume(n) })
			}
		}
	case "resume":
		n := id(a.Args[0])
		fn = func() { w.Resume(n) }
	case "isolate":
		n := id(a.Args[0])
		fn = func() { w.Net().Isolate(n) }
	case "partition":
		g := groups(a.Args[0])
		fn = func() { w.Net().Partition(g...) }
	case "bridge":
		g := groups(a.Args[0])
		fn = func() { w.Net().Bridge(g[0], g[2], g[1][0]) }
	case "ring":
		r := ids(a.Args[0])
		fn = func() { w.Net().Ring(r) }
	case "cut":
		p := ids(a.Args[0])
		fn = func() { w.Net().Cut(p[0], p[1]) }
	case "oneway":
		p := strings.Split(a.Args[0], ">")
		from, to := id(p[0]), id(p[1])
		fn = func() { w.Net().CutOneWay(from, to) }
	case "clog":
		d, _ := parseDur(a.Args[1])
		if p := strings.Split(a.Args[0], ">"); len(p) == 2 {
			from, to := id(p[0]), id(p[1])
			fn = func() { w.Net().Clog(from, to, d) }
		} else {
			n := id(a.Args[0])
			fn = func() { w.Net().ClogNode(n, d) }
		}
	case "heal":
		fn = func() { w.Net().Heal() }
	case "loss":
		p, _ := parseProb(a.Args[0])
		fn = setLink(func(l *sim.LinkConfig) { l.Loss = p })
	case "dup":
		p, _ := parseProb(a.Args[0])
		fn = setLink(func(l *sim.LinkConfig) { l.Dup = p })
	case "reorder":
		p, _ := parseProb(a.Args[0])
		mean, _ := parseDur(a.Args[1])
		fn = setLink(func(l *sim.LinkConfig) { l.TailProb, l.TailMean, l.TailMax = p, mean, 20*mean })
	case "latency":
		lo, _ := parseDur(a.Args[0])
		spread, _ := parseDur(a.Args[1])
		fn = setLink(func(l *sim.LinkConfig) { l.LatencyMin, l.LatencySpread = lo, spread })
	case "clock":
		n := id(a.Args[0])
		skew, _ := time.ParseDuration(a.Args[1])
		drift, _ := strconv.ParseFloat(a.Args[2], 64)
		fn = func() { w.SetClock(n, skew, drift) }
	case "disk":
		torn := a.Args[0] == "torn"
		fn = func() {
			cfg := w.DiskConfig()
			cfg.Torn = torn
			w.SetDiskConfig(cfg)
		}
	case "calm":
		fn = func() {
			w.Net().Heal()
			w.Net().SetDefault(base)
			for _, n := range w.Nodes() {
				w.Disarm(n)
				w.SetClock(n, 0, 0)
				w.Resume(n)
				if !w.Up(n) {
					w.Restart(n)
				}
			}
		}
	}
	return fn, err
}
