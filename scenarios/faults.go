package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/faults"
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
		r, _, _ := faults.SplitRole(name)
		_, ok := f.roles[r]
		return ok
	}
	if err := s.CheckSequence(isRole); err != nil {
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

// FaultsReplaced reports whether the run's faults come from
// Options.Faults rather than the scenario's own.
func (c *Case) FaultsReplaced() bool { return c.overrides != nil }

// faultSchedules renders what took place in each world: "none" for a
// world without faults, schedules of several worlds joined by " / ".
func (c *Case) faultSchedules() string {
	var ws []Schedule
	for _, w := range c.worlds {
		var done Schedule
		for _, f := range c.wfaults {
			if f.w == w {
				done = f.done
			}
		}
		ws = append(ws, done)
	}
	if len(ws) == 0 {
		return "none"
	}
	return faults.Join(ws)
}

// probeDone stops a probing run once the override is bound.
type probeDone struct{}

// target resolves one node argument of a in f's world: a node's name now,
// a role when the action takes place.
func (c *Case) target(f *worldFaults, a Action, arg string) (faults.Target, error) {
	if id, ok := f.w.Lookup(arg); ok {
		return func() (node.ID, bool) { return id, true }, nil
	}
	name, k, _ := faults.SplitRole(arg)
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

// bind returns the closure that performs a in f's world (as its entry in
// package faults says) and records it.
func (c *Case) bind(f *worldFaults, a Action) (func(), error) {
	b := &faults.Binder{W: f.w, Base: f.base, Resolve: func(a Action, arg string) (faults.Target, error) { return c.target(f, a, arg) }}
	fn, err := b.Bind(a)
	if err != nil {
		return nil, err
	}
	w := f.w
	return func() {
		done := a
		done.At = w.Now()
		f.done = append(f.done, done)
		c.Annotate("faults", "%s %s", a.Op, strings.Join(a.Args, " "))
		fn()
	}, nil
}
