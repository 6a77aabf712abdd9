package mapreducecat

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

// mrSetup describes one MapReduce cluster: a storage node "fs", a
// coordinator "coord" and workers "w0", "w1", ....
type mrSetup struct {
	job     string
	inputs  []mapreduce.File
	workers int
	nReduce int
	// cpu turns the CPU model on; perKB is what a task costs per KiB of
	// input, slowdown each worker's multiplier (missing entries mean 1).
	cpu      bool
	perKB    time.Duration
	slowdown []float64
	backup   bool
	// wrapCoord and wrapWorker, when set, stand between the system's
	// nodes and the simulator (each incarnation gets a fresh wrapper),
	// and coordConfig adjusts the coordinator's configuration: tests
	// build broken variants of the system with them. A wrapper gives the
	// node it wraps with Unwrap.
	wrapCoord, wrapWorker func(node.Handler) node.Handler
	coordConfig           func(*mapreduce.CoordinatorConfig)
}

// mrPerEvent is the CPU each handler call costs under the CPU model.
const mrPerEvent = 20 * time.Microsecond

// mrCluster is one MapReduce job running in one world.
type mrCluster struct {
	setup       mrSetup
	w           *sim.World
	storage     node.ID
	coord       node.ID
	workers     []node.ID
	names       []string // the workers' names, for fault schedules
	expected    [][]byte // what each reduce task must commit
	outputNames []string // mr-out-0, mr-out-1, ...
}

// newMRCluster builds the cluster in a new world of c and installs the
// observers every MapReduce scenario runs on every event.
func newMRCluster(c *scenarios.Case, s mrSetup) *mrCluster {
	return newMRClusterIn(c, c.NewWorld(mrWorldConfig(s)), s)
}

func mrWorldConfig(s mrSetup) sim.Config {
	if !s.cpu {
		return sim.Config{}
	}
	return sim.Config{CPU: sim.CPUConfig{Enabled: true, PerEvent: mrPerEvent}}
}

func newMRClusterIn(c *scenarios.Case, w *sim.World, s mrSetup) *mrCluster {
	job, ok := mapreduce.Lookup(s.job)
	if !ok {
		c.BadInput("no MapReduce job named %q; registered: %s (add yours with mapreduce.Register)", s.job, strings.Join(mapreduce.Jobs(), ", "))
	}
	if s.workers < 1 || s.nReduce < 1 {
		c.BadInput("MapReduce scenarios need workers ≥ 1 and reduces ≥ 1 (got %d and %d)", s.workers, s.nReduce)
	}
	mc := &mrCluster{setup: s, w: w, expected: mapreduce.ExpectedOutputs(job, s.inputs, s.nReduce)}
	for r := range s.nReduce {
		mc.outputNames = append(mc.outputNames, mapreduce.OutputName(r))
	}
	mc.storage = w.AddNode("fs", mapreduce.NewStorage(s.inputs))
	names := make([]string, len(s.inputs))
	for i, f := range s.inputs {
		names[i] = f.Name
	}
	coordCfg := mapreduce.CoordinatorConfig{Job: s.job, Inputs: names, NReduce: s.nReduce, Storage: mc.storage, BackupTasks: s.backup}
	if s.coordConfig != nil {
		s.coordConfig(&coordCfg)
	}
	mc.coord = w.AddNode("coord", wrapped(mapreduce.NewCoordinator(coordCfg), s.wrapCoord))
	for i := 0; i < s.workers; i++ {
		slow := 1.0
		if i < len(s.slowdown) {
			slow = s.slowdown[i]
		}
		name := fmt.Sprintf("w%d", i)
		mc.workers = append(mc.workers, w.AddNode(name, wrapped(mapreduce.NewWorker(mapreduce.WorkerConfig{
			Coordinator: mc.coord, Storage: mc.storage, ComputePerKB: s.perKB, Slowdown: slow,
		}), s.wrapWorker)))
		mc.names = append(mc.names, name)
	}
	mc.observe()
	return mc
}

func (mc *mrCluster) fs() *mapreduce.Storage {
	s, _ := mc.w.Handler(mc.storage).(*mapreduce.Storage)
	return s
}

func (mc *mrCluster) coordinator() *mapreduce.Coordinator {
	co, _ := node.Unwrap(mc.w.Handler(mc.coord)).(*mapreduce.Coordinator)
	return co
}

func (mc *mrCluster) worker(id node.ID) (*mapreduce.Worker, bool) {
	wk, ok := node.Unwrap(mc.w.Handler(id)).(*mapreduce.Worker)
	return wk, ok
}

// wrapped is f with wrap, if set, around every handler it builds.
func wrapped(f node.Factory, wrap func(node.Handler) node.Handler) node.Factory {
	if wrap == nil {
		return f
	}
	return func() node.Handler { return wrap(f()) }
}

// observe installs the invariants checked after every event:
//   - every committed output is exactly the reference output of its
//     partition: never partial, never doubled, never stray;
//   - neither the coordinator declares the job done nor any worker exits
//     before every reduce output is committed.
func (mc *mrCluster) observe() {
	var seen uint64
	mc.w.Observe("committed outputs are whole", func() error {
		fs := mc.fs()
		if fs == nil || fs.Version() == seen {
			return nil
		}
		seen = fs.Version()
		for _, name := range fs.Names(mapreduce.OutputPrefix) {
			r := slices.IndexFunc(mc.outputNames, func(n string) bool { return n == name })
			if r < 0 {
				return fmt.Errorf("storage holds %s, which no reduce task (of %d) writes", name, len(mc.expected))
			}
			if data, _ := fs.File(name); !bytes.Equal(data, mc.expected[r]) {
				return fmt.Errorf("%s holds %d bytes that differ from the reference's %d: a partial or doubled commit", name, len(data), len(mc.expected[r]))
			}
		}
		return nil
	})
	committed := false
	mc.w.Observe("no exit before every output is committed", func() error {
		if committed {
			return nil
		}
		var who string
		if co := mc.coordinator(); co != nil && co.Done() {
			who = "the coordinator declared the job done"
		}
		for i, id := range mc.workers {
			if wk, ok := mc.worker(id); ok && wk.Exited() && who == "" {
				who = mc.names[i] + " exited"
			}
		}
		if who == "" {
			return nil
		}
		fs := mc.fs()
		for _, name := range mc.outputNames {
			if _, ok := fs.File(name); !ok {
				return fmt.Errorf("%s while %s is not committed", who, name)
			}
		}
		committed = true
		return nil
	})
}

// finished reports whether the job is done and every worker still running
// has exited.
func (mc *mrCluster) finished() bool {
	co := mc.coordinator()
	if co == nil || !co.Done() {
		return false
	}
	for _, id := range mc.workers {
		if wk, ok := mc.worker(id); ok && !wk.Exited() {
			return false
		}
	}
	return true
}

// bound is limit, or twice what the whole job's input would cost one
// worker at the slowest speed if that is more: the scenarios' bounds are
// set for generated input, and large -input files must not fail for being
// large.
func (mc *mrCluster) bound(limit time.Duration) time.Duration {
	size := 0
	for _, f := range mc.setup.inputs {
		size += len(f.Data)
	}
	slowest := 1.0
	for _, s := range mc.setup.slowdown {
		slowest = max(slowest, s)
	}
	work := time.Duration(2 * float64(size) / 1024 * float64(mc.setup.perKB) * slowest)
	if !mc.setup.cpu {
		work = 0
	}
	return max(limit, work)
}

// finish requires the job to be done and every worker gone within limit
// (see bound), then checks the output against the sequential reference and
// writes it to the "out" directory if asked. A job that does not finish is
// reported with what the coordinator was waiting for.
func (mc *mrCluster) finish(c *scenarios.Case, limit time.Duration) {
	err := mc.w.RunUntil(mc.finished, mc.bound(limit), "the job finishing and every worker exiting")
	var f *sim.Failure
	if errors.As(err, &f) && f.Kind == sim.Liveness {
		if co := mc.coordinator(); co != nil {
			f.Msg += " (" + mc.w.Names(co.Status(mc.w.Clock(mc.coord))) + ")"
		} else {
			f.Msg += " (the coordinator is down)"
		}
	}
	c.Must(err)
	c.Check(mc.checkOutput())
	mc.writeOutputs(c)
}

// checkOutput requires every reduce output to be committed and equal to
// the sequential reference implementation's output for its partition (so
// the merged outputs equal the reference), and nothing else to be.
func (mc *mrCluster) checkOutput() error {
	files := mc.outputs()
	for r, name := range mc.outputNames {
		i := slices.IndexFunc(files, func(f mapreduce.File) bool { return f.Name == name })
		switch {
		case i < 0:
			return fmt.Errorf("%s was never committed", name)
		case !bytes.Equal(files[i].Data, mc.expected[r]):
			return fmt.Errorf("%s differs from the reference: %s", name, firstDifference(files[i].Data, mc.expected[r]))
		}
	}
	if len(files) != len(mc.outputNames) {
		return fmt.Errorf("%d outputs committed; want %d", len(files), len(mc.outputNames))
	}
	return nil
}

// firstDifference describes where got first departs from want, by line.
func firstDifference(got, want []byte) string {
	g, w := strings.SplitAfter(string(got), "\n"), strings.SplitAfter(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		switch {
		case i >= len(g):
			return fmt.Sprintf("it ends before line %d, %q", i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("it has an extra line %d, %q", i+1, g[i])
		case g[i] != w[i]:
			return fmt.Sprintf("line %d is %q; the reference has %q", i+1, g[i], w[i])
		}
	}
	return "they are equal"
}

// outputs returns the committed outputs, for -p out=DIR.
func (mc *mrCluster) outputs() []mapreduce.File {
	fs := mc.fs()
	var files []mapreduce.File
	for _, name := range fs.Names(mapreduce.OutputPrefix) {
		data, _ := fs.File(name)
		files = append(files, mapreduce.File{Name: name, Data: data})
	}
	return files
}
