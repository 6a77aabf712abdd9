package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
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

// Ops lists every operation a schedule may use. A NODE is a node's name,
// or a role the scenario declares (Case.Role), such as "leader", resolved
// when the action takes place; "leader+1" is the next node after the
// leader in the role's group.
var Ops = []OpSpec{
	{"crash", "NODE", "crash the node between events"},
	{"crash-mid", "NODE", "crash the node inside its next handler call, keeping a random prefix of the call's effects"},
	{"restart", "NAME", "restart a crashed node from its factory over the same disk (and call off a crash-mid that has not struck)"},
	{"pause", "NODE [DUR]", "freeze the node (resumed after DUR if given)"},
	{"resume", "NODE", "unfreeze a paused node"},
	{"disconnect", "NODE", "cut the node off from every other node, keeping other cuts (the classic lab's disconnect)"},
	{"connect", "NODE", "restore a disconnected node's links to every node still connected"},
	{"isolate", "NODE", "cut the node off from every other node, replacing any partition"},
	{"partition", "A,B|C,D[|...]", "split the named nodes into two or more groups that cannot reach each other"},
	{"bridge", "A,B|X|C,D", "split left from right except the bridge node X, which reaches both"},
	{"ring", "A,B,C,...", "let each node reach only its two neighbours in the ring"},
	{"cut", "A,B", "cut the link between A and B both ways"},
	{"oneway", "A>B", "drop every message from A to B, not the reverse"},
	{"clog", "NODE|A>B DUR", "hold every message into and out of NODE (or on A→B) for DUR"},
	{"heal", "", "remove every partition, cut, disconnection and clog"},
	{"loss", "P", "drop each message with probability P"},
	{"dup", "P", "deliver each message twice with probability P"},
	{"reorder", "P MEAN [MAX]", "delay each message with probability P by an exponential extra of mean MEAN, capped at MAX (default 20×MEAN)"},
	{"latency", "MIN SPREAD", "one-way latency uniform in [MIN, MIN+SPREAD]"},
	{"clock", "NODE SKEW DRIFT", "set the node's clock SKEW ahead, gaining DRIFT s/s"},
	{"disk", "torn|clean", "whether a crash may tear the last unsynced append"},
	{"damage", "NODE flip|zero|truncate|lose [FILE]", "damage the node's synced data, in one file (FILE, or one drawn from the seed): flip a byte, zero it, cut its end off, or lose it; the node sees it at its next boot, and must refuse to start rather than forget a promise"},
	{"calm", "", "end of the fault phase: heal, restore the network and clocks, call off armed crashes, resume and restart every node"},
}

var opArgs = map[string][2]int{ // op → {min args, max args}
	"crash": {1, 1}, "crash-mid": {1, 1}, "restart": {1, 1}, "pause": {1, 2}, "resume": {1, 1},
	"disconnect": {1, 1}, "connect": {1, 1},
	"isolate": {1, 1}, "partition": {1, 1}, "bridge": {1, 1}, "ring": {1, 1}, "cut": {1, 1},
	"oneway": {1, 1}, "clog": {2, 2}, "heal": {0, 0}, "loss": {1, 1}, "dup": {1, 1},
	"reorder": {2, 3}, "latency": {2, 2}, "clock": {3, 3}, "disk": {1, 1}, "damage": {2, 3}, "calm": {0, 0},
}

// The bounds of a clock action: an offset of at most maxSkew either way,
// and a rate between half and twice the true one.
const (
	maxSkew  = time.Hour
	minDrift = -0.5
	maxDrift = 1.0
)

// MaxActionTime is the latest time an action may have: the virtual-time
// budget of a run (sim.Config.MaxTime's default).
const MaxActionTime = 24 * time.Hour

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
	if strings.EqualFold(strings.TrimSpace(text), "none") {
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
		if at > MaxActionTime {
			return nil, fmt.Errorf("fault action %q: %v is past the run's %v virtual-time budget; no run lasts that long", strings.TrimSpace(part), at, MaxActionTime)
		}
		a := Action{At: at, Op: f[1], Args: f[2:]}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		s = append(s, a)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("fault schedule %q holds no action: write none for a run without faults", strings.TrimSpace(text))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseSchedules parses the schedules of a run of several worlds, one
// per world in the order the scenario makes them, separated by "/" (the
// form Outcome.Faults prints): "1s crash s1 / none".
func ParseSchedules(text string) ([]Schedule, error) {
	var out []Schedule
	for _, part := range strings.Split(text, "/") {
		s, err := ParseSchedule(part)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Validate checks a whole schedule without a world: every action, and
// time order. Whether its restarts and crashes fit (checkSequence) is
// checked when it is applied, once the scenario's roles are known.
func (s Schedule) Validate() error {
	for i, a := range s {
		if err := a.Validate(); err != nil {
			return err
		}
		if i > 0 && a.At < s[i-1].At {
			return fmt.Errorf("fault action %q comes before %q in time: list actions in time order", a, s[i-1])
		}
	}
	return nil
}

// checkSequence checks that restarts and crashes fit what the schedule
// did before: a restart needs its node down, a crash needs it up. A crash
// of a role (isRole) takes down a node the schedule cannot name, so it
// allows one restart of a node not known to be down.
func (s Schedule) checkSequence(isRole func(string) bool) error {
	down := map[string]string{} // node → the action that took it down
	byRole := 0
	for _, a := range s {
		switch a.Op {
		case "crash", "crash-mid":
			if isRole(a.Args[0]) {
				byRole++
				continue
			}
			if why, ok := down[a.Args[0]]; ok {
				return fmt.Errorf("fault action %q: %s is already down (%q) and not restarted since; restart it first", a, a.Args[0], why)
			}
			down[a.Args[0]] = a.String()
		case "restart":
			if isRole(a.Args[0]) {
				return fmt.Errorf("fault action %q: restart takes a node's name, not a role: a node that is down plays no role", a)
			}
			if _, ok := down[a.Args[0]]; !ok {
				if byRole > 0 {
					byRole--
					continue
				}
				return fmt.Errorf("fault action %q: %s is not down at that point of the schedule; a restart follows a crash or crash-mid of the same node", a, a.Args[0])
			}
			delete(down, a.Args[0])
		case "calm":
			clear(down) // calm restarts every node
			byRole = 0
		}
	}
	return nil
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
	case "loss", "dup":
		if _, err := parseProb(a.Args[0]); err != nil {
			return bad(err.Error())
		}
	case "reorder":
		if _, err := parseProb(a.Args[0]); err != nil {
			return bad(err.Error())
		}
		for _, d := range a.Args[1:] {
			if _, err := parseDur(d); err != nil {
				return bad(err.Error())
			}
		}
	case "latency":
		for _, s := range a.Args {
			if _, err := parseDur(s); err != nil {
				return bad(err.Error())
			}
		}
	case "clock":
		skew, err := time.ParseDuration(a.Args[1])
		if err != nil {
			return bad(fmt.Sprintf("skew %q is not a duration", a.Args[1]))
		}
		if skew > maxSkew || skew < -maxSkew {
			return bad(fmt.Sprintf("skew %v is beyond ±%v: no clock a system is run with is that far off; write a smaller offset", skew, maxSkew))
		}
		d, err := strconv.ParseFloat(a.Args[2], 64)
		if err != nil || math.IsNaN(d) || math.IsInf(d, 0) || d <= -1 {
			return bad(fmt.Sprintf("drift %q must be a number greater than -1", a.Args[2]))
		}
		if d < minDrift || d > maxDrift {
			return bad(fmt.Sprintf("drift %v is outside [%v, %v]: a clock between half and twice the true rate is already far past any crystal's; write a rate in that range", d, minDrift, maxDrift))
		}
	case "disk":
		if a.Args[0] != "torn" && a.Args[0] != "clean" {
			return bad("disk takes torn or clean")
		}
	case "damage":
		if !slices.Contains(sim.DamageKinds(), sim.DamageKind(a.Args[1])) {
			return bad(fmt.Sprintf("damage takes flip, zero, truncate or lose, not %q", a.Args[1]))
		}
	case "partition":
		g := strings.Split(a.Args[0], "|")
		if len(g) < 2 {
			return bad("a partition needs two groups or more, e.g. s0,s1|s2,s3,s4 (to cut one node off, use isolate)")
		}
		if err := distinct(g); err != nil {
			return bad(err.Error())
		}
	case "bridge":
		g := strings.Split(a.Args[0], "|")
		if len(g) != 3 || strings.Contains(g[1], ",") {
			return bad("bridge takes LEFT|BRIDGE|RIGHT with one bridge node, e.g. s0,s1|s2|s3,s4")
		}
		if err := distinct(g); err != nil {
			return bad(err.Error())
		}
	case "ring":
		if r := strings.Split(a.Args[0], ","); len(r) < 3 {
			return bad("a ring needs three nodes or more")
		}
		if err := distinct([]string{a.Args[0]}); err != nil {
			return bad(err.Error())
		}
	case "oneway", "cut":
		sep := map[string]string{"oneway": ">", "cut": ","}[a.Op]
		p := strings.Split(a.Args[0], sep)
		if len(p) != 2 || p[0] == "" || p[1] == "" {
			return bad(map[string]string{"oneway": "oneway takes FROM>TO", "cut": "cut takes A,B"}[a.Op])
		}
		if p[0] == p[1] {
			return bad("a link needs two different nodes")
		}
	case "clog":
		if _, err := parseDur(a.Args[1]); err != nil {
			return bad(err.Error())
		}
		if p := strings.Split(a.Args[0], ">"); len(p) > 2 || len(p) == 2 && (p[0] == p[1] || p[0] == "" || p[1] == "") {
			return bad("clog takes a NODE or a link FROM>TO between two different nodes")
		}
	case "restart":
		if _, _, ok := roleOffset(a.Args[0]); ok {
			return bad("restart takes a node's name, not a role: a node that is down plays no role")
		}
	}
	for _, arg := range nodeArgs(a) {
		if arg == "" {
			return bad("an empty node name")
		}
	}
	return nil
}

// distinct reports a node named twice in a partition's groups.
func distinct(groups []string) error {
	seen := map[string]bool{}
	for _, g := range groups {
		if g == "" {
			return fmt.Errorf("an empty group")
		}
		for _, n := range strings.Split(g, ",") {
			if seen[n] {
				return fmt.Errorf("node %s is named twice: groups must not overlap", n)
			}
			seen[n] = true
		}
	}
	return nil
}

// nodeArgs lists the node names (or roles) an action names.
func nodeArgs(a Action) []string {
	switch a.Op {
	case "crash", "crash-mid", "restart", "pause", "resume", "disconnect", "connect", "isolate", "clock", "damage":
		return a.Args[:1]
	case "partition", "bridge", "ring", "cut":
		return strings.FieldsFunc(a.Args[0], func(r rune) bool { return r == '|' || r == ',' })
	case "oneway", "clog":
		return strings.Split(a.Args[0], ">")
	}
	return nil
}

// roleOffset splits "leader+2" into its role and offset.
func roleOffset(arg string) (role string, offset int, ok bool) {
	r, k, found := strings.Cut(arg, "+")
	if !found {
		return arg, 0, false
	}
	n, err := strconv.Atoi(k)
	if err != nil || n < 0 {
		return arg, 0, false
	}
	return r, n, true
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
	if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
		return 0, fmt.Errorf("%q is not a probability in [0, 1]", s)
	}
	return p, nil
}
