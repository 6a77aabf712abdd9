package harness

import (
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// Faults is a world's fault schedule, bound once (Case.Apply) when the
// scenario first needs it: when it first runs the world, injects a fault
// or binds a schedule of its own, by then every node the schedule may name
// exists. Until then the world may run by hand (w.RunFor): what happens
// then is before the schedule.
type Faults struct {
	c     *scenarios.Case
	w     *sim.World
	link  *sim.LinkConfig // the scenario's network from the start
	roles []role
	says  []func() string
	bound bool
}

type role struct {
	name  string
	group []string
	index func() int
}

// NewWorld makes the run's world from cfg, except that cfg's link (a
// network unreliable from the start) is given as actions at 0 s of the
// world's schedule, so that the printed schedule shows it and -faults
// replaces it; and returns the world's Faults.
func NewWorld(c *scenarios.Case, cfg sim.Config) (*sim.World, *Faults) {
	link := cfg.Link
	cfg.Link = nil
	w := c.NewWorld(cfg)
	return w, &Faults{c: c, w: w, link: link}
}

// Role declares a role the schedule may name ("leader": group[index()]),
// when the schedule is bound (see Case.Role).
func (f *Faults) Role(name string, group []string, index func() int) {
	f.roles = append(f.roles, role{name, group, index})
}

// Describe registers what a run that fails for want of progress says
// (Case.Describe), when the schedule is bound: a run is described once
// its faults can be.
func (f *Faults) Describe(says func() string) { f.says = append(f.says, says) }

// Bind binds the schedule the first time it is called: the scenario's
// network, then s (or, with -faults, the schedule given instead); later
// calls do nothing.
func (f *Faults) Bind(s scenarios.Schedule) {
	if f.bound {
		return
	}
	f.bound = true
	for _, r := range f.roles {
		f.c.Role(f.w, r.name, r.group, r.index)
	}
	for _, says := range f.says {
		f.c.Describe(says)
	}
	if f.link != nil {
		s = append(scenarios.LinkSchedule(0, *f.link), s...)
	}
	f.c.Apply(f.w, s)
}

// Fault injects one fault now through the schedule (Case.Fault), binding
// it first.
func (f *Faults) Fault(op string, args ...string) {
	f.Bind(nil)
	f.c.Fault(f.w, op, args...)
}

// Run binds the schedule and runs the world for d, stopping the scenario
// if the run failed.
func (f *Faults) Run(d time.Duration) {
	f.Bind(nil)
	f.c.Must(f.w.RunFor(d))
}

// RunUntil binds the schedule and runs the world until done holds, for
// at most limit (sim.World.RunUntil: a liveness failure naming what
// otherwise).
func (f *Faults) RunUntil(done func() bool, limit time.Duration, what string) error {
	f.Bind(nil)
	return f.w.RunUntil(done, limit, what)
}
