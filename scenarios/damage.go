package scenarios

import (
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// DamageOne damages, through the run's schedule, one synced file of node
// id that aim accepts, in a way (flip, zero, truncate, lose) and at a file
// drawn from the run's seed: what a scenario that shows a node refusing
// damaged state aims at the files whose damage it must notice.
func (c *Case) DamageOne(w *sim.World, id node.ID, aim func(file string) bool) {
	r := c.Rand("damage")
	kinds := sim.DamageKinds()
	kind := kinds[r.IntN(len(kinds))]
	var files []string
	for _, f := range w.Files(id) {
		if aim(f) {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		c.Failf("%s has no synced file to damage among %v", w.Name(id), w.Files(id))
		return
	}
	c.Fault(w, "damage", w.Name(id), string(kind), files[r.IntN(len(files))])
}

// CheckRefused checks that node id, whose disk was damaged, is down
// because it refused to start with a diagnosis naming a file, and reports
// the diagnosis.
func (c *Case) CheckRefused(w *sim.World, id node.ID) {
	d := w.Refusal(id)
	switch {
	case w.Up(id):
		c.Failf("%s started over its damaged disk (%v) instead of refusing", w.Name(id), w.Damaged(id))
	case d == nil:
		c.Failf("%s is down after its disk was damaged (%v), but not by refusing to start", w.Name(id), w.Damaged(id))
	case d.File == "" || d.Found == "":
		c.Failf("%s refused with a diagnosis that names no file or finding: %+v", w.Name(id), d)
	default:
		c.Reportf("%s refused to start: %v", w.Name(id), d)
	}
}
