package mapreducecat

import (
	"cmp"
	"slices"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

var mrParams = []scenarios.Param{
	{Name: "workers", Default: "4", Doc: "number of workers", Min: 1, Max: 64, Shrink: true},
	{Name: "splits", Default: "8", Doc: "number of generated input files (map tasks)", Min: 1, Max: 1000, Shrink: true},
	{Name: "split-bytes", Default: "2048", Doc: "size of each generated input file, in bytes", Min: 1, Max: 1 << 20},
	{Name: "reduces", Default: "4", Doc: "number of reduce tasks (R)", Min: 1, Max: 100, Shrink: true},
}

// mrJobParam names the job of the scenarios that run any registered one.
var mrJobParam = scenarios.Param{Name: "job", Default: "wc", Doc: "the registered job to run (mapreduce.Register): wc, indexer or your own"}

// mrInputParams are what the scenarios running a job over real files take
// besides mrParams.
var mrInputParams = []scenarios.Param{
	{Name: "input", Default: "", Doc: "glob of text files to use as input instead of generated text, one map task each (simrun -input)"},
	{Name: "out", Default: "", Doc: "directory to write the committed outputs to at the end"},
}

const (
	// mrPerKB is what a task costs per KiB of input under the CPU model.
	mrPerKB = 100 * time.Millisecond
	// mrBound bounds a job without faults.
	mrBound = 30 * time.Second
	// mrFaultEnd is when the fault phase of mapreduce/crash ends; the
	// scenarios with pauses and partitions run theirs longer, so that some
	// outlast the coordinator's failure detector.
	mrFaultEnd = 2 * time.Second
	// mrFaultPerKB makes a job without faults last about as long as the
	// fault phase, so that faults hit every stage of it.
	mrFaultPerKB = 200 * time.Millisecond
	// mrAfterCalm bounds how long a job hit by faults may take after calm.
	mrAfterCalm = 30 * time.Second
)

func init() {
	for _, s := range mrCatalogue(nil) {
		scenarios.Register(s)
	}
}

// mrCat builds the catalogue's scenarios. tweak, when set, changes every
// cluster's setup: tests wrap its nodes in broken variants with it.
type mrCat struct{ tweak func(*mrSetup) }

// mrCatalogue returns every mapreduce/... scenario.
func mrCatalogue(tweak func(*mrSetup)) []scenarios.Scenario {
	m := mrCat{tweak}
	withInput := append(append([]scenarios.Param{}, mrParams...), mrInputParams...)
	withJob := append(append(append([]scenarios.Param{}, mrParams...), mrJobParam), mrInputParams...)
	return []scenarios.Scenario{
		{Name: "mapreduce/job", Params: withJob,
			Summary: "the job named by -p job (default wc), 4 workers, CPU model, no faults: output equal to its sequential reference, done within 30 s",
			Run:     func(c *scenarios.Case) { m.job(c, "") }},
		{Name: "mapreduce/wordcount", Params: withInput,
			Summary: "word count, 4 workers, CPU model, no faults: output equal to the sequential reference, done within 30 s",
			Run:     func(c *scenarios.Case) { m.job(c, "wc") }},
		{Name: "mapreduce/indexer", Params: withInput,
			Summary: "inverted index, 4 workers, CPU model, no faults: output equal to the sequential reference, done within 30 s",
			Run:     func(c *scenarios.Case) { m.job(c, "indexer") }},
		{Name: "mapreduce/map-parallelism", Params: mrParams,
			Summary:     "word count, no faults: at some instant min(workers, splits) map tasks run at once, on different workers",
			FixedFaults: "it checks parallelism a job without faults must reach",
			Run:         func(c *scenarios.Case) { m.parallelism(c, mapreduce.MapTask, c.IntParam("splits")) }},
		{Name: "mapreduce/reduce-parallelism", Params: mrParams,
			Summary:     "word count, no faults: at some instant min(workers, reduces) reduce tasks run at once, on different workers",
			FixedFaults: "it checks parallelism a job without faults must reach",
			Run:         func(c *scenarios.Case) { m.parallelism(c, mapreduce.ReduceTask, c.IntParam("reduces")) }},
		{Name: "mapreduce/job-count", Params: mrParams,
			Summary:     "word count, backup tasks on, no faults: every map task is handed out and run exactly once",
			FixedFaults: "it checks that without faults no task runs twice",
			Run:         m.jobCount},
		{Name: "mapreduce/early-exit", Params: mrParams,
			Summary: "word count on workers 1-3x slow (drawn): no worker exits, and the job is not done, before every output is committed",
			Run:     m.earlyExit},
		{Name: "mapreduce/crash", Params: withJob,
			Summary: "word count; workers crash (any number at once, half inside a handler, torn disks) and restart, 20% of messages late, for 2 s: exact output, done within 30 s of calm",
			Run: func(c *scenarios.Case) {
				// Late messages let a dead incarnation's reports arrive
				// after its successor has spoken.
				m.underFaults(c, m.faultSetup(c), scenarios.Profile{Crash: true, CrashMid: true, Torn: true, Reorder: 0.2, Gap: 250 * time.Millisecond}, mrFaultEnd)
			}},
		{Name: "mapreduce/worker-loss", Params: withJob,
			Summary: "word count; 1 to workers-1 workers die for good (half inside a handler) in the first 2 s: the survivors finish with exact output within 60 s",
			Run:     m.workerLoss},
		{Name: "mapreduce/slow", Params: withJob,
			Summary: "word count; workers 1-4x slow (drawn), pauses of up to 3.6 s (past the failure detector), skewed clocks for 6 s, backups half the time: exact output, done within 30 s of calm",
			Run:     m.slow},
		{Name: "mapreduce/network", Params: withJob,
			Summary: "word count; partitions of workers of every shape (up to 2.1 s), clogs, 10% loss, duplication and reordering for 4 s: exact output, done within 30 s of calm",
			Run: func(c *scenarios.Case) {
				m.underFaults(c, m.faultSetup(c), scenarios.Profile{Partition: true, Clog: true, Loss: 0.1, Dup: 0.1, Reorder: 0.1, Gap: 700 * time.Millisecond}, 4*time.Second)
			}},
		{Name: "mapreduce/coordinator-crash", Params: withJob,
			Summary: "word count; the coordinator crashes (half inside a handler) and restarts for 4 s, recovering from storage's committed outputs: exact output, done within 30 s of calm",
			Run: func(c *scenarios.Case) {
				s := m.faultSetup(c)
				p := scenarios.Profile{Crash: true, CrashMid: true, Gap: 500 * time.Millisecond}
				m.underFaultsOn(c, s, p, 4*time.Second, func(mc *mrCluster) []string { return []string{"coord"} })
			}},
		{Name: "mapreduce/storage-cut", Params: withJob,
			Summary: "word count; one or two workers cut off from storage (not from the coordinator) for 12 s, past the 10 s task timeout: their attempts are handed out again, exact output, done within 30 s of the heal",
			Run:     m.storageCut},
		{Name: "mapreduce/stale-incarnations", Params: withJob,
			Summary: "word count; workers crash (half inside a handler) and restart 20-80 ms later, one at a time, while 30% of messages are 400 ms late on average, for 3 s: a dead incarnation's messages arrive after its successor's; exact output, done within 30 s of calm",
			Run:     m.staleIncarnations},
		{Name: "mapreduce/stragglers", Params: append(append([]scenarios.Param{}, mrParams...), scenarios.Param{Name: "slowdown", Default: "10", Doc: "how many times slower the straggler is", Min: 1, Max: 100}),
			Summary:     "word count with one worker 10x slower, run without and with backup tasks: both done within 60 s, with backups in at most half the time",
			FixedFaults: "it compares the times of two fault-free runs",
			Run:         m.stragglers},
		{Name: "mapreduce/swarm", Params: append(append(append([]scenarios.Param{}, mrParams...), scenarios.Param{Name: "job", Default: "", Doc: "the registered job to run; empty: wc or indexer, drawn from the seed"}), mrInputParams...),
			Summary: "word count or inverted index under a swarm profile drawn from the seed (see faults.DrawProfile) on workers and coordinator, any number down at once, damage sparing the coordinator, assignments and reports of finished tasks held back or duplicated by type; maybe a straggler and backups; for 5 s, then calm: exact output, done within 30 s",
			Run:     m.swarm},
	}
}

// setup reads the common parameters into a setup for job, with the CPU
// model on. The parameter "job", when the scenario takes it and it is set,
// overrides job.
func (m mrCat) setup(c *scenarios.Case, job string) mrSetup {
	if c.HasParam("job") && c.Param("job") != "" {
		job = c.Param("job")
	}
	s := mrSetup{
		job:     job,
		inputs:  mrInputs(c),
		workers: c.IntParam("workers"),
		nReduce: c.IntParam("reduces"),
		cpu:     true,
		perKB:   mrPerKB,
	}
	if m.tweak != nil {
		m.tweak(&s)
	}
	return s
}

// faultSetup is word count over the run's inputs, slow enough to span the
// fault phase.
func (m mrCat) faultSetup(c *scenarios.Case) mrSetup {
	s := m.setup(c, "wc")
	s.perKB = mrFaultPerKB
	return s
}

// job runs a job over the run's inputs without faults (unless -faults gives
// some) and checks its output.
func (m mrCat) job(c *scenarios.Case, job string) {
	mc := newMRCluster(c, m.setup(c, job))
	c.Apply(mc.w, nil)
	mc.finish(c, mrBound)
}

// parallelism runs word count without faults and requires that, at some
// instant, as many tasks of kind ran at once as there are workers (or
// tasks, if fewer), each on its own worker.
func (m mrCat) parallelism(c *scenarios.Case, kind mapreduce.TaskKind, tasks int) {
	s := m.setup(c, "wc")
	if s.workers < 2 {
		c.BadInput("a parallelism scenario needs workers ≥ 2 (got %d)", s.workers)
	}
	mc := newMRCluster(c, s)
	c.Apply(mc.w, nil)
	mc.finish(c, mrBound)
	want := min(s.workers, tasks)
	if got := maxOverlap(mc.coordinator().Executions(), kind); got < want {
		c.Failf("at most %d %v tasks ran at once; want %d (workers %d, tasks %d)", got, kind, want, s.workers, tasks)
	}
}

// maxOverlap is the largest number of runs of kind, on distinct workers,
// running at one instant (by the workers' clocks).
func maxOverlap(runs []mapreduce.Execution, kind mapreduce.TaskKind) int {
	best := 0
	for _, a := range runs {
		if a.Kind != kind {
			continue
		}
		busy := map[int]bool{}
		for _, b := range runs {
			if b.Kind == kind && b.Start <= a.Start && a.Start < b.End {
				busy[int(b.Worker)] = true
			}
		}
		best = max(best, len(busy))
	}
	return best
}

// jobCount runs word count with backup tasks on and no faults: since no
// task is slow, no map task may be handed out or run twice.
func (m mrCat) jobCount(c *scenarios.Case) {
	s := m.setup(c, "wc")
	s.backup = true
	mc := newMRCluster(c, s)
	c.Apply(mc.w, nil)
	mc.finish(c, mrBound)
	co := mc.coordinator()
	runs := map[int]int{}
	for _, e := range co.Executions() {
		if e.Kind == mapreduce.MapTask {
			runs[e.Task]++
		}
	}
	for t := range len(s.inputs) {
		if h := co.HandedOut(mapreduce.MapTask, t); h != 1 || runs[t] != 1 {
			c.Failf("map task %d was handed out %d times and ran %d times; want exactly once", t, h, runs[t])
		}
	}
}

// earlyExit runs word count on workers of different speeds, so that they
// run out of work at different times; the observers check that none exits
// early.
func (m mrCat) earlyExit(c *scenarios.Case) {
	s := m.setup(c, "wc")
	r := c.Rand("speeds")
	for range s.workers {
		s.slowdown = append(s.slowdown, 1+2*r.Float64())
	}
	mc := newMRCluster(c, s)
	c.Apply(mc.w, nil)
	mc.finish(c, 2*mrBound)
}

// slow runs word count on workers of drawn speeds, with long pauses and
// skewed clocks.
func (m mrCat) slow(c *scenarios.Case) {
	s := m.faultSetup(c)
	r := c.Rand("speeds")
	for range s.workers {
		s.slowdown = append(s.slowdown, 1+3*r.Float64())
	}
	s.backup = r.Chance(0.5)
	m.underFaults(c, s, scenarios.Profile{Pause: true, Skew: true, Gap: 1200 * time.Millisecond}, 6*time.Second)
}

// workerLoss crashes between one and all but one worker for good, at
// random times early in the job: only the coordinator's failure detector
// can tell that their map output is gone.
func (m mrCat) workerLoss(c *scenarios.Case) {
	s := m.faultSetup(c)
	if s.workers < 2 {
		c.BadInput("mapreduce/worker-loss needs workers ≥ 2 (got %d)", s.workers)
	}
	mc := newMRCluster(c, s)
	r := c.Rand("faults")
	var def scenarios.Schedule
	for _, i := range r.Perm(s.workers)[:1+r.IntN(s.workers-1)] {
		op := "crash"
		if r.Chance(0.5) {
			op = "crash-mid"
		}
		def = append(def, scenarios.Action{At: r.Duration(100*time.Millisecond, mrFaultEnd).Round(time.Millisecond), Op: op, Args: []string{mc.names[i]}})
	}
	slices.SortStableFunc(def, func(a, b scenarios.Action) int { return cmp.Compare(a.At, b.At) })
	c.Apply(mc.w, def)
	mc.finish(c, 2*mrBound)
}

// underFaults runs s with faults drawn from p on the workers only (any
// number down at once) from 100 ms to end, then calm; the job must be done
// and every worker gone within mrAfterCalm.
func (m mrCat) underFaults(c *scenarios.Case, s mrSetup, p scenarios.Profile, end time.Duration) *mrCluster {
	return m.underFaultsOn(c, s, p, end, func(mc *mrCluster) []string { return mc.names })
}

// underFaultsOn is underFaults with faults on the nodes targets names.
func (m mrCat) underFaultsOn(c *scenarios.Case, s mrSetup, p scenarios.Profile, end time.Duration, targets func(*mrCluster) []string) *mrCluster {
	mc := newMRCluster(c, s)
	nodes := targets(mc)
	def := p.Schedule(c.Rand("faults"), nodes, len(nodes), 100*time.Millisecond, end)
	c.Apply(mc.w, def)
	c.Must(mc.w.RunFor(end))
	mc.finish(c, mrAfterCalm)
	return mc
}

// swarm draws the job, the CPU cost, a straggler, backups and a fault
// profile from the seed.
func (m mrCat) swarm(c *scenarios.Case) {
	r := c.Rand("swarm")
	s := m.faultSetup(c)
	if r.Chance(0.5) && c.Param("job") == "" {
		s.job = "indexer"
	}
	s.perKB = r.Duration(50*time.Millisecond, 300*time.Millisecond)
	if r.Chance(0.3) {
		s.slowdown = make([]float64, s.workers)
		for i := range s.slowdown {
			s.slowdown[i] = 1
		}
		s.slowdown[r.IntN(s.workers)] = 2 + 8*r.Float64()
	}
	s.backup = r.Chance(0.5)
	p := scenarios.DrawProfile(r)
	p.Spare = []string{"coord"} // a damaged coordinator stays down, and the job with it
	// An assignment late or twice, a report of a finished task late or twice.
	p.Types = harness.TypeNames(mapreduce.TaskReply{}, mapreduce.TaskReq{})
	m.underFaultsOn(c, s, p, 5*time.Second, func(mc *mrCluster) []string {
		return append(slices.Clone(mc.names), "coord")
	})
}

// stragglerTimes runs word count with one worker slowed down, once without
// and once with backup tasks (two worlds), and returns both job completion
// times.
func (m mrCat) stragglerTimes(c *scenarios.Case) (without, with time.Duration) {
	s := m.setup(c, "wc")
	slow := c.IntParam("slowdown")
	if slow < 1 {
		c.BadInput("slowdown=%d: want at least 1", slow)
	}
	s.slowdown = make([]float64, s.workers)
	for i := range s.slowdown {
		s.slowdown[i] = 1
	}
	s.slowdown[c.Rand("straggler").IntN(s.workers)] = float64(slow)
	var times [2]time.Duration
	for i, backup := range []bool{false, true} {
		s.backup = backup
		mc := newMRCluster(c, s)
		c.Apply(mc.w, nil)
		mc.finish(c, 2*mrBound)
		times[i] = mc.coordinator().DoneAt()
	}
	return times[0], times[1]
}

// stragglers checks that backup tasks at least halve the job's time when
// one worker is a straggler.
func (m mrCat) stragglers(c *scenarios.Case) {
	without, with := m.stragglerTimes(c)
	c.Reportf("job time with one worker 10x slower: %v without backup tasks, %v with them", without, with)
	if with > without/2 {
		c.Failf("with one straggler the job took %v without backup tasks and %v with them; want at most half with them", without, with)
	}
}
