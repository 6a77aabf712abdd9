package mapreduce

import (
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Coordinator is the paper's master: it hands out tasks, tracks which
// worker holds which completed map output, re-executes what failures lose,
// schedules backup copies at the end of each phase and declares the job
// done once every reduce output is committed. Build it with NewCoordinator.
type Coordinator struct {
	cfg     CoordinatorConfig
	tasks   [3][]*task // by kind: tasks[MapTask], tasks[ReduceTask]
	workers map[node.ID]*workerState

	epoch       uint64 // the coordinator's incarnation, kept on its disk
	recovering  bool   // restarted and not yet told what is committed
	nextAttempt uint64
	doneCount   [3]int             // completed tasks, by kind
	durations   [3][]time.Duration // how long completed tasks took, by kind
	done        bool
	doneAt      time.Duration

	lastPing   time.Duration
	pingSeq    uint64
	executions []Execution
	timedOut   []Execution // attempts handed out again for want of a report
	backups    int
	failures   int
}

// task is the coordinator's record of one map or reduce task.
type task struct {
	kind   TaskKind
	id     int
	done   bool
	source Source // where a done map task's output is
	copies []copyRun
	// handedOut counts every copy ever handed out.
	handedOut int
	// assigned remembers when each copy was handed out, by attempt, to
	// measure how long the first completion took.
	assigned map[uint64]time.Duration
}

// copyRun is one copy of a task that a worker is running, as far as the
// coordinator knows.
type copyRun struct {
	worker  node.ID
	inc     uint64
	attempt uint64
	since   time.Duration
}

func (t *task) idle() bool { return !t.done && len(t.copies) == 0 }

// workerState is what the coordinator knows of one worker.
type workerState struct {
	inc      uint64
	seq      uint64    // the last TaskReq answered
	reply    TaskReply // and its answer, for retries
	lastSeen time.Duration
	failed   bool
}

// Execution is one completed run of a task, as reported by its worker:
// Start and End are the worker's clock. First is true for the run whose
// result was taken.
type Execution struct {
	Kind    TaskKind
	Task    int
	Attempt uint64
	Worker  node.ID
	Start   time.Duration
	End     time.Duration
	First   bool
}

// tickInterval is how often the coordinator checks timeouts.
const tickInterval = 100 * time.Millisecond

type tickTimer struct{}

// NewCoordinator returns the coordinator's factory. It panics if the job is
// not registered or NReduce is below 1.
func NewCoordinator(cfg CoordinatorConfig) node.Factory {
	if _, ok := Lookup(cfg.Job); !ok {
		panic(fmt.Sprintf("mapreduce: no job named %q (registered: %v)", cfg.Job, Jobs()))
	}
	if cfg.NReduce < 1 {
		panic(fmt.Sprintf("mapreduce: NReduce is %d; want at least 1", cfg.NReduce))
	}
	cfg.setDefaults()
	return func() node.Handler {
		c := &Coordinator{cfg: cfg, workers: map[node.ID]*workerState{}}
		for i := range cfg.Inputs {
			c.tasks[MapTask] = append(c.tasks[MapTask], &task{kind: MapTask, id: i, assigned: map[uint64]time.Duration{}})
		}
		for r := 0; r < cfg.NReduce; r++ {
			c.tasks[ReduceTask] = append(c.tasks[ReduceTask], &task{kind: ReduceTask, id: r, assigned: map[uint64]time.Duration{}})
		}
		return c
	}
}

// Done reports whether the job is done: every reduce output committed.
func (c *Coordinator) Done() bool { return c.done }

// DoneAt is the coordinator's clock when the job was done.
func (c *Coordinator) DoneAt() time.Duration { return c.doneAt }

// Completed returns how many tasks of a kind are done now (map tasks can
// be undone by a worker failure).
func (c *Coordinator) Completed(kind TaskKind) int { return c.doneCount[kind] }

// HandedOut returns how many copies of a task have been handed out.
func (c *Coordinator) HandedOut(kind TaskKind, id int) int { return c.tasks[kind][id].handedOut }

// Executions returns every completed run reported so far, in order.
func (c *Coordinator) Executions() []Execution { return c.executions }

// TimedOut returns every attempt handed out again because it was not
// reported within TaskTimeout, in order (End is when it was given up on).
func (c *Coordinator) TimedOut() []Execution { return c.timedOut }

// Backups returns how many backup copies were handed out.
func (c *Coordinator) Backups() int { return c.backups }

// Failures returns how many times a worker was marked failed or found
// restarted.
func (c *Coordinator) Failures() int { return c.failures }

// Handle implements node.Handler.
func (c *Coordinator) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		c.start(env, ev.Restarted)
	case *node.Timeout:
		if _, ok := ev.Tag.(tickTimer); ok && !c.done {
			c.tick(env)
			env.SetTimer(tickInterval, tickTimer{})
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case TaskReq:
			c.onTaskReq(env, ev.From, m)
		case LocateReq:
			c.onLocate(env, ev.From, m)
		case Pong:
			c.touch(env, ev.From, m.Inc)
		case ListResp:
			c.recover(env, m)
		}
	}
}

// start begins an incarnation. Attempt numbers carry the epoch in their
// high bits, so no two incarnations hand out the same one. A restarted
// coordinator has lost its task table: it asks storage which outputs are
// committed, marks those reduce tasks done, and runs everything else again
// (the map outputs' locations were only in its memory).
func (c *Coordinator) start(env node.Env, restarted bool) {
	c.epoch = nextIncarnation(env.Disk())
	c.nextAttempt = c.epoch << 32
	c.lastPing = env.Now()
	env.SetTimer(tickInterval, tickTimer{})
	if restarted {
		c.recovering = true
		env.Send(c.cfg.Storage, ListReq{Tag: c.epoch, Prefix: OutputPrefix})
	}
}

// recover takes the list of committed outputs after a restart.
func (c *Coordinator) recover(env node.Env, m ListResp) {
	if !c.recovering || m.Tag != c.epoch || m.Prefix != OutputPrefix {
		return
	}
	c.recovering = false
	env.Mark(markCoordinatorRecovered)
	for r, t := range c.tasks[ReduceTask] {
		if !t.done && slices.Contains(m.Names, OutputName(r)) {
			t.done = true
			t.copies = nil
			c.doneCount[ReduceTask]++
		}
	}
	env.Logf("recovered: %d of %d reduce outputs already committed", c.doneCount[ReduceTask], len(c.tasks[ReduceTask]))
	if c.doneCount[ReduceTask] == len(c.tasks[ReduceTask]) {
		c.finish(env)
	}
}

// touch records that a worker incarnation is alive. A newer incarnation
// means the worker restarted: everything the old one held is lost. A
// message from an older incarnation is stale, and touch returns nil.
func (c *Coordinator) touch(env node.Env, id node.ID, inc uint64) *workerState {
	ws := c.workers[id]
	switch {
	case ws == nil:
		ws = &workerState{inc: inc}
		c.workers[id] = ws
	case inc < ws.inc:
		env.Mark(markStaleIncarnation)
		return nil
	case inc > ws.inc:
		env.Mark(markWorkerRestarted)
		c.lose(env, id, ws, fmt.Sprintf("restarted as incarnation %d", inc))
		*ws = workerState{inc: inc}
	}
	ws.lastSeen = env.Now()
	if ws.failed {
		env.Mark(markWorkerBack)
		ws.failed = false
		env.Logf("worker %v is back", id)
	}
	return ws
}

func (c *Coordinator) onTaskReq(env node.Env, from node.ID, m TaskReq) {
	ws := c.touch(env, from, m.Inc)
	if ws == nil || m.Seq < ws.seq {
		return
	}
	if m.Seq == ws.seq {
		env.Mark(markRetriedRequest)
		env.Send(from, ws.reply) // a retry: the same answer
		return
	}
	if m.Prev.Kind != NoTask {
		c.report(env, from, ws.inc, m.Prev)
	}
	c.release(from) // the worker is idle: it runs no copy now
	reply := c.assign(env, from, ws.inc)
	reply.Seq = m.Seq
	ws.seq, ws.reply = m.Seq, reply
	env.Send(from, reply)
}

// report takes a worker's report on the copy it held.
func (c *Coordinator) report(env node.Env, from node.ID, inc uint64, r Report) {
	if r.Kind != MapTask && r.Kind != ReduceTask || r.Task < 0 || r.Task >= len(c.tasks[r.Kind]) {
		return
	}
	t := c.tasks[r.Kind][r.Task]
	t.dropCopy(from, r.Attempt)
	if !r.Done {
		env.Logf("%v %d: %v handed attempt %d back", t.kind, t.id, from, r.Attempt)
		return
	}
	c.executions = append(c.executions, Execution{Kind: t.kind, Task: t.id, Attempt: r.Attempt, Worker: from, Start: r.Start, End: r.End, First: !t.done})
	if t.done {
		env.Mark(markLateCompletion)
		env.Logf("%v %d: ignored a later completion by %v (attempt %d)", t.kind, t.id, from, r.Attempt)
		return
	}
	t.done = true
	t.copies = nil // other copies may still finish; their reports are ignored
	c.doneCount[t.kind]++
	if at, ok := t.assigned[r.Attempt]; ok {
		c.durations[t.kind] = append(c.durations[t.kind], env.Now()-at)
	}
	env.Logf("%v %d done by %v (attempt %d); %d of %d", t.kind, t.id, from, r.Attempt, c.doneCount[t.kind], len(c.tasks[t.kind]))
	switch t.kind {
	case MapTask:
		t.source = Source{Worker: from, Inc: inc}
	case ReduceTask:
		if c.doneCount[ReduceTask] == len(c.tasks[ReduceTask]) {
			c.finish(env)
		}
	}
}

func (c *Coordinator) finish(env node.Env) {
	if c.done {
		return
	}
	c.done = true
	c.doneAt = env.Now()
	env.Logf("job done: %d reduce outputs committed", c.doneCount[ReduceTask])
}

func (t *task) dropCopy(worker node.ID, attempt uint64) {
	for i, cp := range t.copies {
		if cp.worker == worker && cp.attempt == attempt {
			t.copies = append(t.copies[:i], t.copies[i+1:]...)
			return
		}
	}
}

// release drops every copy the worker holds.
func (c *Coordinator) release(id node.ID) {
	for _, ts := range c.tasks {
		for _, t := range ts {
			for i := 0; i < len(t.copies); i++ {
				if t.copies[i].worker == id {
					t.copies = append(t.copies[:i], t.copies[i+1:]...)
					i--
				}
			}
		}
	}
}

// assign picks the worker's next directive: an idle map task, a backup of
// a slow map task, and only once every map task is done, an idle reduce
// task or a backup of a slow one.
func (c *Coordinator) assign(env node.Env, id node.ID, inc uint64) TaskReply {
	if c.done {
		return TaskReply{Do: Exit}
	}
	for _, kind := range []TaskKind{MapTask, ReduceTask} {
		for _, t := range c.tasks[kind] {
			if t.idle() {
				return c.handOut(env, t, id, inc, false)
			}
		}
		if t := c.backupCandidate(env, kind); t != nil {
			return c.handOut(env, t, id, inc, true)
		}
		if c.doneCount[kind] < len(c.tasks[kind]) {
			return TaskReply{Do: Wait}
		}
	}
	return TaskReply{Do: Wait}
}

func (c *Coordinator) handOut(env node.Env, t *task, id node.ID, inc uint64, backup bool) TaskReply {
	c.nextAttempt++
	now := env.Now()
	t.copies = append(t.copies, copyRun{worker: id, inc: inc, attempt: c.nextAttempt, since: now})
	t.assigned[c.nextAttempt] = now
	t.handedOut++
	a := Assignment{Kind: t.kind, Task: t.id, Attempt: c.nextAttempt, Job: c.cfg.Job, NReduce: c.cfg.NReduce}
	switch t.kind {
	case MapTask:
		a.Input = c.cfg.Inputs[t.id]
	case ReduceTask:
		for _, m := range c.tasks[MapTask] {
			a.Sources = append(a.Sources, m.source)
		}
	}
	what := "copy"
	if backup {
		what = "backup copy"
		env.Mark(markBackup)
		c.backups++
	}
	env.Logf("%v %d: %s %d to %v", t.kind, t.id, what, a.Attempt, id)
	return TaskReply{Do: Run, Task: a}
}
