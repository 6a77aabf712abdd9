package mapreduce

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// tick pings the workers, marks silent ones failed and hands out again the
// tasks not reported within TaskTimeout.
func (c *Coordinator) tick(env node.Env) {
	now := env.Now()
	if c.recovering {
		env.Send(c.cfg.Storage, ListReq{Tag: c.epoch, Prefix: OutputPrefix})
	}
	for _, id := range node.SortedKeys(c.workers) {
		ws := c.workers[id]
		if !ws.failed && now-ws.lastSeen > c.cfg.WorkerTimeout {
			ws.failed = true
			env.Mark(markWorkerSilent)
			c.lose(env, id, ws, fmt.Sprintf("silent for %v", now-ws.lastSeen))
		}
	}
	for _, ts := range c.tasks {
		for _, t := range ts {
			for i := 0; i < len(t.copies); i++ {
				if cp := t.copies[i]; now-cp.since > c.cfg.TaskTimeout {
					env.Mark(markTaskTimedOut)
					c.timedOut = append(c.timedOut, Execution{Kind: t.kind, Task: t.id, Attempt: cp.attempt, Worker: cp.worker, Start: cp.since, End: now})
					env.Logf("%v %d: attempt %d on %v not done within %v; handing it out again", t.kind, t.id, cp.attempt, cp.worker, c.cfg.TaskTimeout)
					t.copies = append(t.copies[:i], t.copies[i+1:]...)
					i--
				}
			}
		}
	}
	if now-c.lastPing >= c.cfg.PingInterval {
		c.lastPing = now
		c.pingSeq++
		for _, id := range node.SortedKeys(c.workers) {
			env.Send(id, Ping{Seq: c.pingSeq})
		}
	}
}

// lose handles the loss of a worker incarnation: the copies it ran go back
// to idle, and so do the map tasks it completed, whose output was on its
// disk. Completed reduce tasks stay done: their output is on storage.
func (c *Coordinator) lose(env node.Env, id node.ID, ws *workerState, why string) {
	c.failures++
	env.Logf("worker %v (incarnation %d) is lost: %s", id, ws.inc, why)
	c.release(id)
	if c.done {
		return
	}
	for _, t := range c.tasks[MapTask] {
		if t.done && t.source == (Source{Worker: id, Inc: ws.inc}) {
			t.done = false
			t.source = Source{}
			c.doneCount[MapTask]--
			env.Mark(markMapRerun)
			env.Logf("map %d: its output was on %v; running it again", t.id, id)
		}
	}
}

// backupCandidate picks the task of a phase to back up, or nil: only when
// backups are on and the phase has no idle task left, a task running alone
// for longer than BackupSlowness times the median duration of the phase's
// completed tasks (and at least BackupAfterMin), the longest-running first.
func (c *Coordinator) backupCandidate(env node.Env, kind TaskKind) *task {
	if !c.cfg.BackupTasks || len(c.durations[kind]) == 0 {
		return nil
	}
	sorted := slices.Sorted(slices.Values(c.durations[kind]))
	median := sorted[len(sorted)/2]
	threshold := max(c.cfg.BackupAfterMin, time.Duration(c.cfg.BackupSlowness*float64(median)))
	now := env.Now()
	var best *task
	for _, t := range c.tasks[kind] {
		if t.done || len(t.copies) != 1 || now-t.copies[0].since < threshold {
			continue
		}
		if best == nil || t.copies[0].since < best.copies[0].since {
			best = t
		}
	}
	return best
}

// onLocate tells a reducer where a map output is now.
func (c *Coordinator) onLocate(env node.Env, from node.ID, m LocateReq) {
	if c.touch(env, from, m.Inc) == nil {
		return
	}
	resp := LocateResp{Attempt: m.Attempt, Map: m.Map}
	switch {
	case c.done:
		resp.Exit = true
	case m.Map >= 0 && m.Map < len(c.tasks[MapTask]) && c.tasks[MapTask][m.Map].done:
		resp.Done = true
		resp.Source = c.tasks[MapTask][m.Map].source
	}
	env.Send(from, resp)
}

// Status describes the job's progress in one line, for a failure message:
// what is done, what runs where, and what the coordinator knows of each
// worker.
func (c *Coordinator) Status(now time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "maps %d/%d done, reduces %d/%d done", c.doneCount[MapTask], len(c.tasks[MapTask]), c.doneCount[ReduceTask], len(c.tasks[ReduceTask]))
	if c.done {
		b.WriteString(", job done")
	}
	if c.recovering {
		b.WriteString(", recovering")
	}
	var running []string
	for _, ts := range c.tasks {
		for _, t := range ts {
			for _, cp := range t.copies {
				running = append(running, fmt.Sprintf("%v %d on %v for %v", t.kind, t.id, cp.worker, (now-cp.since).Round(time.Millisecond)))
			}
		}
	}
	if len(running) > 0 {
		fmt.Fprintf(&b, "; running: %s", strings.Join(running, ", "))
	}
	var workers []string
	for _, id := range node.SortedKeys(c.workers) {
		ws := c.workers[id]
		state := fmt.Sprintf("heard from %v ago", (now - ws.lastSeen).Round(time.Millisecond))
		if ws.failed {
			state = "failed"
		}
		workers = append(workers, fmt.Sprintf("%v (incarnation %d) %s", id, ws.inc, state))
	}
	fmt.Fprintf(&b, "; workers: %s", strings.Join(workers, ", "))
	return b.String()
}
