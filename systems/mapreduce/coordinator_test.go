package mapreduce

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// coordHarness drives a coordinator through a fakeEnv.
type coordHarness struct {
	t   *testing.T
	env *fakeEnv
	c   *Coordinator
}

const (
	coordID   node.ID = 1
	storageID node.ID = 0
)

func newCoordHarness(t *testing.T, cfg CoordinatorConfig) *coordHarness {
	cfg.Job, cfg.Storage = "wc", storageID
	h := &coordHarness{t: t, env: newFakeEnv(coordID)}
	h.c = NewCoordinator(cfg)().(*Coordinator)
	h.c.Handle(h.env, &node.Start{})
	return h
}

// ask sends a TaskReq and returns the coordinator's answer.
func (h *coordHarness) ask(from node.ID, inc, seq uint64, prev Report) TaskReply {
	h.t.Helper()
	h.c.Handle(h.env, &node.Recv{From: from, Msg: TaskReq{Inc: inc, Seq: seq, Prev: prev}})
	sent := h.env.take()
	if len(sent) != 1 || sent[0].to != from {
		h.t.Fatalf("TaskReq from %v seq %d: sent %+v; want one TaskReply", from, seq, sent)
	}
	return sent[0].msg.(TaskReply)
}

// silent sends a message that must get no answer.
func (h *coordHarness) silent(from node.ID, msg any) {
	h.t.Helper()
	h.c.Handle(h.env, &node.Recv{From: from, Msg: msg})
	if sent := h.env.take(); len(sent) != 0 {
		h.t.Fatalf("%T from %v was answered with %+v; want it ignored", msg, from, sent)
	}
}

// at sets the clock and runs the coordinator's periodic checks.
func (h *coordHarness) at(now time.Duration) {
	h.env.now = now
	h.c.Handle(h.env, &node.Timeout{Tag: tickTimer{}})
	h.env.take() // pings
}

func done(a Assignment) Report {
	return Report{Kind: a.Kind, Task: a.Task, Attempt: a.Attempt, Done: true}
}

func want(t *testing.T, got TaskReply, do Directive, kind TaskKind, task int) {
	t.Helper()
	if got.Do != do || do == Run && (got.Task.Kind != kind || got.Task.Task != task) {
		t.Fatalf("got %v %v %d; want %v %v %d", got.Do, got.Task.Kind, got.Task.Task, do, kind, task)
	}
}

func TestCoordinatorRunsAJob(t *testing.T) {
	h := newCoordHarness(t, CoordinatorConfig{Inputs: []string{"a", "b"}, NReduce: 2})
	m0 := h.ask(10, 1, 1, Report{})
	want(t, m0, Run, MapTask, 0)
	if m0.Task.Input != "a" || m0.Task.NReduce != 2 || m0.Task.Job != "wc" {
		t.Errorf("map assignment %+v", m0.Task)
	}
	m1 := h.ask(11, 1, 1, Report{})
	want(t, m1, Run, MapTask, 1)
	// Reduces wait for every map.
	want(t, h.ask(10, 1, 2, done(m0.Task)), Wait, 0, 0)
	// A retry gets the same answer, and its report is not counted twice.
	want(t, h.ask(10, 1, 2, done(m0.Task)), Wait, 0, 0)
	if got := h.c.Completed(MapTask); got != 1 {
		t.Fatalf("%d maps done; want 1", got)
	}
	r0 := h.ask(11, 1, 2, done(m1.Task))
	want(t, r0, Run, ReduceTask, 0)
	if want := []Source{{10, 1}, {11, 1}}; len(r0.Task.Sources) != 2 || r0.Task.Sources[0] != want[0] || r0.Task.Sources[1] != want[1] {
		t.Errorf("reduce sources %v; want %v", r0.Task.Sources, want)
	}
	r1 := h.ask(10, 1, 3, Report{})
	want(t, r1, Run, ReduceTask, 1)
	want(t, h.ask(11, 1, 3, done(r0.Task)), Wait, 0, 0)
	if h.c.Done() {
		t.Fatal("done with a reduce output not committed")
	}
	if got, want := h.c.Status(0), "maps 2/2 done, reduces 1/2 done; running: reduce 1 on n10 for 0s; workers: n10 (incarnation 1) heard from 0s ago"; !strings.HasPrefix(got, want) {
		t.Errorf("Status = %q; want it to start %q", got, want)
	}
	want(t, h.ask(10, 1, 4, done(r1.Task)), Exit, 0, 0)
	if !h.c.Done() {
		t.Fatal("not done after every reduce output was committed")
	}
	want(t, h.ask(11, 1, 4, Report{}), Exit, 0, 0)
	// A stale request is ignored.
	h.silent(11, TaskReq{Inc: 1, Seq: 3})
}

// TestCoordinatorReexecutesLostMaps: a worker that restarts, or goes
// silent, loses the map output it held; the coordinator runs those map
// tasks again, but never a reduce task already done.
func TestCoordinatorReexecutesLostMaps(t *testing.T) {
	h := newCoordHarness(t, CoordinatorConfig{Inputs: []string{"a", "b", "c"}, NReduce: 2})
	m0 := h.ask(10, 1, 1, Report{})
	m1 := h.ask(11, 1, 1, Report{})
	m2 := h.ask(12, 1, 1, Report{})
	r0 := h.ask(10, 1, 2, done(m0.Task))
	want(t, r0, Wait, 0, 0)
	h.ask(11, 1, 2, done(m1.Task))
	r := h.ask(12, 1, 2, done(m2.Task))
	want(t, r, Run, ReduceTask, 0)
	want(t, h.ask(10, 1, 3, Report{}), Run, ReduceTask, 1)
	want(t, h.ask(12, 1, 3, done(r.Task)), Wait, 0, 0)

	// Worker 10 restarts: its map 0 and its reduce 1 must run again.
	again := h.ask(10, 2, 1, Report{})
	want(t, again, Run, MapTask, 0)
	// A report from its previous incarnation, still in flight, is ignored.
	h.silent(10, TaskReq{Inc: 1, Seq: 9})

	// Worker 11 falls silent past WorkerTimeout: its map 1 runs again;
	// reduce 0 stays done.
	h.env.now = 2500 * time.Millisecond
	h.c.Handle(h.env, &node.Recv{From: 10, Msg: Pong{Inc: 2}})
	h.c.Handle(h.env, &node.Recv{From: 12, Msg: Pong{Inc: 1}})
	h.at(2500 * time.Millisecond)
	want(t, h.ask(12, 1, 4, Report{}), Run, MapTask, 1)
	if h.c.Failures() != 2 || h.c.Completed(ReduceTask) != 1 {
		t.Errorf("failures %d, reduces done %d; want 2 and 1", h.c.Failures(), h.c.Completed(ReduceTask))
	}
}

// TestCoordinatorBackupTasks: in a phase's last wave a task that runs much
// longer than its peers gets one backup copy; the first completion wins.
func TestCoordinatorBackupTasks(t *testing.T) {
	h := newCoordHarness(t, CoordinatorConfig{Inputs: []string{"a", "b", "c"}, NReduce: 1, BackupTasks: true})
	m0 := h.ask(10, 1, 1, Report{})
	m1 := h.ask(11, 1, 1, Report{})
	h.ask(12, 1, 1, Report{})
	h.env.now = time.Second
	// Map 0 took 1 s; maps 1 and 2 have run 1 s: not slow yet.
	want(t, h.ask(10, 1, 2, done(m0.Task)), Wait, 0, 0)
	h.env.now = 1500 * time.Millisecond
	want(t, h.ask(11, 1, 2, done(m1.Task)), Wait, 0, 0)
	h.env.now = 2900 * time.Millisecond // 2× the (upper) median of 1 s and 1.5 s is 3 s
	want(t, h.ask(10, 1, 3, Report{}), Wait, 0, 0)
	h.env.now = 3100 * time.Millisecond
	backup := h.ask(10, 1, 4, Report{})
	want(t, backup, Run, MapTask, 2)
	want(t, h.ask(11, 1, 3, Report{}), Wait, 0, 0) // one backup per task
	if h.c.Backups() != 1 || h.c.HandedOut(MapTask, 2) != 2 {
		t.Fatalf("backups %d, map 2 handed out %d times; want 1 and 2", h.c.Backups(), h.c.HandedOut(MapTask, 2))
	}
	want(t, h.ask(10, 1, 5, done(backup.Task)), Run, ReduceTask, 0)
	h.ask(12, 1, 2, Report{Kind: MapTask, Task: 2, Attempt: 3, Done: true}) // the original, late
	runs := h.c.Executions()
	if last := runs[len(runs)-1]; last.Task != 2 || last.First || last.Worker != 12 {
		t.Errorf("the late original's run %+v; want it recorded as not taken", last)
	}
}

// TestCoordinatorTaskTimeout: a task not reported within TaskTimeout is
// handed out again, although its worker answers pings.
func TestCoordinatorTaskTimeout(t *testing.T) {
	h := newCoordHarness(t, CoordinatorConfig{Inputs: []string{"a"}, NReduce: 1, TaskTimeout: 5 * time.Second})
	h.ask(10, 1, 1, Report{})
	want(t, h.ask(11, 1, 1, Report{}), Wait, 0, 0)
	for now := time.Second; now <= 6*time.Second; now += time.Second {
		h.at(now)
		h.c.Handle(h.env, &node.Recv{From: 10, Msg: Pong{Inc: 1}})
		h.c.Handle(h.env, &node.Recv{From: 11, Msg: Pong{Inc: 1}})
	}
	want(t, h.ask(11, 1, 2, Report{}), Run, MapTask, 0)
}

// TestCoordinatorRecoversFromStorage: a restarted coordinator asks storage
// what is committed and marks those reduce tasks done.
func TestCoordinatorRecoversFromStorage(t *testing.T) {
	h := newCoordHarness(t, CoordinatorConfig{Inputs: []string{"a"}, NReduce: 2})
	first := h.ask(10, 1, 1, Report{})
	h.c = NewCoordinator(CoordinatorConfig{Job: "wc", Inputs: []string{"a"}, NReduce: 2, Storage: storageID})().(*Coordinator)
	h.c.Handle(h.env, &node.Start{Restarted: true})
	sent := h.env.take()
	if len(sent) != 1 || sent[0].to != storageID {
		t.Fatalf("restart sent %+v; want a ListReq to storage", sent)
	}
	list := sent[0].msg.(ListReq)
	h.silent(storageID, ListResp{Tag: list.Tag, Prefix: OutputPrefix, Names: []string{"mr-out-1", "mr-tmp-0-n3-1-2"}})
	if h.c.Completed(ReduceTask) != 1 || h.c.Done() {
		t.Fatalf("after recovery %d reduces done (done=%v); want 1", h.c.Completed(ReduceTask), h.c.Done())
	}
	again := h.ask(10, 1, 2, Report{})
	want(t, again, Run, MapTask, 0)
	if again.Task.Attempt>>32 != 2 || again.Task.Attempt == first.Task.Attempt {
		t.Errorf("attempt %x after a restart, %x before; want the epoch (2) in the high bits", again.Task.Attempt, first.Task.Attempt)
	}
}
