package scenarios

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
)

// defaultCheckTimeout bounds one linearizability search.
const defaultCheckTimeout = 10 * time.Second

// Annotate marks a moment of the run on the visualization of its history.
// Fault schedule actions are annotated by themselves.
func (c *Case) Annotate(tag, format string, args ...any) {
	t := time.Duration(0)
	if w := c.world(); w != nil {
		t = w.Now()
	}
	c.annotations = append(c.annotations, checker.Annotation{Start: t, End: t, Tag: tag, Description: fmt.Sprintf(format, args...)})
}

// NewRecorder returns a history recorder on w's virtual clock that also
// notes, for every operation, the client node that issued it and the node
// whose message answered it (sim.World.Handling), for reports.
func NewRecorder(w *sim.World) *checker.Recorder {
	r := checker.NewRecorder(w.Now)
	r.Locate(w.Handling)
	return r
}

// CheckLinearizable checks a recorded history against model. A history
// that is not linearizable fails the run, naming the key and the first
// operation that cannot linearize. With Options.VizDir set (simrun -viz),
// porcupine's visualization of the history, with the run's faults as
// annotations, is written there for every run, and a failure names the
// file; nothing is written without it. A search that runs out of time is
// an unknown result.
func (c *Case) CheckLinearizable(what string, model porcupine.Model, ops []checker.Op) {
	timeout := c.opts.CheckTimeout
	if timeout == 0 {
		timeout = defaultCheckTimeout
	}
	c.CountOperations(len(ops))
	res := checker.CheckLinearizable(model, ops, timeout)
	if c.opts.Histories {
		c.histories = append(c.histories, History{What: what, World: max(len(c.worlds)-1, 0), HistoryView: res.View()})
	}
	where := "replay with -viz DIR to draw it"
	if dir := c.opts.VizDir; dir != "" {
		name := fmt.Sprintf("%s-seed%d-%s.html", strings.ReplaceAll(c.scenario.Name, "/", "_"), c.seed, strings.ReplaceAll(what, " ", "_"))
		path := filepath.Join(dir, name)
		if err := res.WriteHTML(path, c.annotations); err != nil {
			c.Failf("%v", err)
		}
		where = "visualization: " + path
	}
	switch res.Outcome {
	case checker.NotLinearizable:
		c.Failf("%s: the history of %d operations is not linearizable: %s; %s", what, res.Ops, res.Explain(), where)
	case checker.Unknown:
		c.Unknownf("%s: linearizability of %d operations undecided after %v (raise -check-timeout)", what, res.Ops, timeout)
	}
}
