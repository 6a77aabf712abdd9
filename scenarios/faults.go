package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Faults are data in every scenario. A world's faults come from schedules
// the scenario applies (Apply) and from faults its script injects as it
// goes (Fault); both take place as actions of the world's schedule, before
// the other events of their instant, and each is recorded when it takes
// place, so the schedule an Outcome prints is exactly what happened. Given
// that schedule back with Options.Faults, a run applies it in advance and
// the script's own faults do nothing: the run is the same, with the same
// fingerprint, and an edited schedule runs instead of the script's.

// worldFaults is the fault state of one world of a run.
type worldFaults struct {
	w        *sim.World
	index    int // the world's place among the run's worlds
	bound    bool
	override bool // the schedule came from Options.Faults
	base     sim.LinkConfig
	roles    map[string]role
	done     Schedule // actions that took place, in order
}

// role is a node a schedule may name by what it is (Case.Role).
type role struct {
	group []string
	index func() int
}

func (c *Case) faultsOf(w *sim.World) *worldFaults {
	for _, f := range c.wfaults {
		if f.w == w {
			return f
		}
	}
	i := slices.Index(c.worlds, w)
	if i < 0 {
		panic("scenarios: a World the Case did not make (use Case.NewWorld)")
	}
	f := &worldFaults{w: w, index: i, roles: map[string]role{}}
	c.wfaults = append(c.wfaults, f)
	return f
}

// Role declares a role a schedule may target in w: an action naming name
// resolves, when it takes place, to group[index()], and one naming
// "name+k" to group[(index()+k) % len(group)]; index returns -1 when no
// node plays the role, and the action then does nothing. Declare roles
// before Apply. The raft harness declares "leader".
func (c *Case) Role(w *sim.World, name string, group []string, index func() int) {
	f := c.faultsOf(w)
	if f.bound {
		panic("scenarios: Role after Apply")
	}
	f.roles[name] = role{group: slices.Clone(group), index: index}
}

// Apply binds w's fault schedule: s, or, when the run was given a schedule
// with Options.Faults, that one instead (the part for this world, by the
// order the scenario made its worlds), in which case s and every later
// Apply and Fault for w do nothing. Each action takes place at its time
// before the other events of that instant, is annotated on history
// visualizations and is recorded in the outcome's schedule. Call Apply for
// a world after adding the nodes its schedule may name and declaring its
// roles, and before its first Fault. A schedule naming nodes w does not
// have is bad input.
func (c *Case) Apply(w *sim.World, s Schedule) {
	f := c.faultsOf(w)
	if f.override {
		return
	}
	if !f.bound {
		f.bound = true
		f.base = w.Net().Default()
		if c.overrides != nil {
			f.override = true
			if f.index >= len(c.overrides) {
				panic(usagePanic{fmt.Errorf("-faults gives %d schedules (separated by \"/\"), but %s makes world %d too; give one schedule per world", len(c.overrides), c.scenario.Name, f.index+1)})
			}
			s = c.overrides[f.index]
		}
	}
	if err := s.Validate(); err != nil {
		panic(usagePanic{err})
	}
	isRole := func(name string) bool {
		if _, ok := w.Lookup(name); ok {
			return false
		}
		r, _, _ := roleOffset(name)
		_, ok := f.roles[r]
		return ok
	}
	if err := s.checkSequence(isRole); err != nil {
		panic(usagePanic{err})
	}
	for _, a := range s {
		fn, err := c.bind(f, a)
		if err != nil {
			panic(usagePanic{err})
		}
		w.AtFirst(a.At, a.String(), fn)
	}
	if c.probe && f.override && len(c.overrides) == 1 {
		panic(probeDone{}) // bound and checked: no need to run on
	}
}

// Fault injects one fault in w now (1 ns from now: after what the world
// already did at this instant), as an action of w's schedule written as in
// a schedule's text ("crash", "s1"; "disconnect", "leader+1"): it is
// recorded, and Fault returns once it has taken place. When the run's schedule was replaced with
// Options.Faults, the fault does not take place (the replacement's faults
// do), but Fault still lets the world catch up to now, so that the script
// around it runs alike either way. Apply must have been called for w.
func (c *Case) Fault(w *sim.World, op string, args ...string) {
	f := c.faultsOf(w)
	if !f.bound {
		panic(fmt.Sprintf("scenarios: %s calls Fault before Apply for its world", c.scenario.Name))
	}
	// One nanosecond from now: after everything the world has already
	// done at this instant, and at an instant of its own, so that the
	// same action applied in advance from a schedule lands at the very
	// same point of the run.
	at := w.Now() + time.Nanosecond
	if !f.override {
		a := Action{At: at, Op: op, Args: args}
		if err := a.Validate(); err != nil {
			panic(fmt.Sprintf("scenarios: %s injects a malformed fault: %v", c.scenario.Name, err))
		}
		fn, err := c.bind(f, a)
		if err != nil {
			panic(fmt.Sprintf("scenarios: %s injects a fault it cannot bind: %v", c.scenario.Name, err))
		}
		w.AtFirst(a.At, a.String(), fn)
	}
	c.Must(w.RunFor(at - w.Now()))
}

// Apply schedules every action of s on w, outside any scenario: a world
// driven by hand gets the same faults a scenario's would. Node names must
// exist in w; "calm" restores the network's default link as it is now.
func (s Schedule) Apply(w *sim.World) (err error) {
	c := &Case{scenario: Scenario{Name: "(a schedule applied by hand)"}, worlds: []*sim.World{w}}
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(usagePanic)
			if !ok {
				panic(r)
			}
			err = u.err
		}
	}()
	c.Apply(w, s)
	return nil
}

// LinkSchedule is the schedule that sets the default link to l at time at
// (as far as schedule actions can say: latency, loss, duplication and the
// long tail), for a scenario whose network is unreliable from the start.
func LinkSchedule(at time.Duration, l sim.LinkConfig) Schedule {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := Schedule{{At: at, Op: "latency", Args: []string{l.LatencyMin.String(), l.LatencySpread.String()}}}
	if l.Loss > 0 {
		s = append(s, Action{At: at, Op: "loss", Args: []string{f(l.Loss)}})
	}
	if l.Dup > 0 {
		s = append(s, Action{At: at, Op: "dup", Args: []string{f(l.Dup)}})
	}
	if l.TailProb > 0 {
		s = append(s, Action{At: at, Op: "reorder", Args: []string{f(l.TailProb), l.TailMean.String(), l.TailMax.String()}})
	}
	return s
}

// FaultsReplaced reports whether the run's faults come from
// Options.Faults rather than the scenario's own.
func (c *Case) FaultsReplaced() bool { return c.overrides != nil }

// faultSchedules renders what took place in each world: "none" for a
// world without faults, schedules of several worlds joined by " / ".
func (c *Case) faultSchedules() string {
	var parts []string
	for _, w := range c.worlds {
		var done Schedule
		for _, f := range c.wfaults {
			if f.w == w {
				done = f.done
			}
		}
		parts = append(parts, done.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " / ")
}

// probeDone stops a probing run once the override is bound.
type probeDone struct{}

// target resolves one node argument of a in f's world: a node's name now,
// a role when the action takes place.
func (c *Case) target(f *worldFaults, a Action, arg string) (func() (node.ID, bool), error) {
	if id, ok := f.w.Lookup(arg); ok {
		return func() (node.ID, bool) { return id, true }, nil
	}
	name, k, _ := roleOffset(arg)
	if r, ok := f.roles[name]; ok {
		return func() (node.ID, bool) {
			i := r.index()
			if i < 0 || len(r.group) == 0 {
				return node.None, false
			}
			id, ok := f.w.Lookup(r.group[(i+k)%len(r.group)])
			return id, ok
		}, nil
	}
	var names []string
	for _, n := range f.w.Nodes() {
		names = append(names, f.w.Name(n))
	}
	roles := ""
	if len(f.roles) > 0 {
		roles = "; its roles are " + strings.Join(node.SortedKeys(f.roles), ", ")
	}
	return nil, fmt.Errorf("fault action %q names node %q, which scenario %s does not have; its nodes are %s%s", a, arg, c.scenario.Name, strings.Join(names, ", "), roles)
}

// bind returns the closure that performs a in f's world and records it.
func (c *Case) bind(f *worldFaults, a Action) (func(), error) {
	w := f.w
	var err error
	one := func(arg string) func() (node.ID, bool) {
		t, e := c.target(f, a, arg)
		if e != nil && err == nil {
			err = e
		}
		return t
	}
	list := func(spec string) []func() (node.ID, bool) {
		var out []func() (node.ID, bool)
		for _, n := range strings.Split(spec, ",") {
			out = append(out, one(n))
		}
		return out
	}
	groups := func(spec string) [][]func() (node.ID, bool) {
		var out [][]func() (node.ID, bool)
		for _, g := range strings.Split(spec, "|") {
			out = append(out, list(g))
		}
		return out
	}
	// resolve evaluates targets when the action takes place; a role that
	// no node plays makes the action do nothing.
	resolve := func(ts ...func() (node.ID, bool)) ([]node.ID, bool) {
		ids := make([]node.ID, len(ts))
		for i, t := range ts {
			id, ok := t()
			if !ok {
				w.Logf("fault %s: %s plays no role now; nothing done", a, nodeArgs(a)[min(i, len(nodeArgs(a))-1)])
				return nil, false
			}
			ids[i] = id
		}
		return ids, true
	}
	resolveGroups := func(gs [][]func() (node.ID, bool)) ([][]node.ID, bool) {
		var out [][]node.ID
		for _, g := range gs {
			ids, ok := resolve(g...)
			if !ok {
				return nil, false
			}
			out = append(out, ids)
		}
		return out, true
	}
	on := func(t func() (node.ID, bool), do func(node.ID)) func() {
		return func() {
			if ids, ok := resolve(t); ok {
				do(ids[0])
			}
		}
	}
	setLink := func(fn func(*sim.LinkConfig)) func() {
		return func() {
			l := w.Net().Default()
			fn(&l)
			w.Net().SetDefault(l)
		}
	}
	var fn func()
	switch a.Op {
	case "crash":
		fn = on(one(a.Args[0]), w.Crash)
	case "crash-mid":
		fn = on(one(a.Args[0]), w.CrashMid)
	case "restart":
		fn = on(one(a.Args[0]), func(n node.ID) {
			w.Disarm(n) // a crash-mid that has not struck yet is off
			if !w.Up(n) {
				w.Restart(n)
			}
		})
	case "pause":
		var d time.Duration
		if len(a.Args) == 2 {
			d, _ = parseDur(a.Args[1])
		}
		fn = on(one(a.Args[0]), func(n node.ID) {
			w.Pause(n)
			if d > 0 {
				w.After(d, "resume "+w.Name(n), func() { w.Resume(n) })
			}
		})
	case "resume":
		fn = on(one(a.Args[0]), w.Resume)
	case "disconnect":
		fn = on(one(a.Args[0]), w.Net().Disconnect)
	case "connect":
		fn = on(one(a.Args[0]), w.Net().Connect)
	case "isolate":
		fn = on(one(a.Args[0]), w.Net().Isolate)
	case "partition":
		g := groups(a.Args[0])
		fn = func() {
			if ids, ok := resolveGroups(g); ok {
				w.Net().Partition(ids...)
			}
		}
	case "bridge":
		g := groups(a.Args[0])
		fn = func() {
			if ids, ok := resolveGroups(g); ok {
				w.Net().Bridge(ids[0], ids[2], ids[1][0])
			}
		}
	case "ring":
		r := list(a.Args[0])
		fn = func() {
			if ids, ok := resolve(r...); ok {
				w.Net().Ring(ids)
			}
		}
	case "cut":
		p := list(a.Args[0])
		fn = func() {
			if ids, ok := resolve(p...); ok {
				w.Net().Cut(ids[0], ids[1])
			}
		}
	case "oneway":
		p := strings.Split(a.Args[0], ">")
		from, to := one(p[0]), one(p[1])
		fn = func() {
			if ids, ok := resolve(from, to); ok {
				w.Net().CutOneWay(ids[0], ids[1])
			}
		}
	case "clog":
		d, _ := parseDur(a.Args[1])
		if p := strings.Split(a.Args[0], ">"); len(p) == 2 {
			from, to := one(p[0]), one(p[1])
			fn = func() {
				if ids, ok := resolve(from, to); ok {
					w.Net().Clog(ids[0], ids[1], d)
				}
			}
		} else {
			fn = on(one(a.Args[0]), func(n node.ID) { w.Net().ClogNode(n, d) })
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
		most := 20 * mean
		if len(a.Args) == 3 {
			most, _ = parseDur(a.Args[2])
		}
		fn = setLink(func(l *sim.LinkConfig) { l.TailProb, l.TailMean, l.TailMax = p, mean, most })
	case "latency":
		lo, _ := parseDur(a.Args[0])
		spread, _ := parseDur(a.Args[1])
		fn = setLink(func(l *sim.LinkConfig) { l.LatencyMin, l.LatencySpread = lo, spread })
	case "clock":
		skew, _ := time.ParseDuration(a.Args[1])
		drift, _ := strconv.ParseFloat(a.Args[2], 64)
		fn = on(one(a.Args[0]), func(n node.ID) { w.SetClock(n, skew, drift) })
	case "disk":
		torn := a.Args[0] == "torn"
		fn = func() {
			cfg := w.DiskConfig()
			cfg.Torn = torn
			w.SetDiskConfig(cfg)
		}
	case "damage":
		kind, file := sim.DamageKind(a.Args[1]), ""
		if len(a.Args) == 3 {
			file = a.Args[2]
		}
		fn = on(one(a.Args[0]), func(n node.ID) { w.Damage(n, kind, file) })
	case "calm":
		base := f.base
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
	default:
		return nil, fmt.Errorf("fault action %q: operation %q cannot be applied", a, a.Op)
	}
	if err != nil {
		return nil, err
	}
	return func() {
		done := a
		done.At = w.Now()
		f.done = append(f.done, done)
		c.Annotate("faults", "%s %s", a.Op, strings.Join(a.Args, " "))
		fn()
	}, nil
}
