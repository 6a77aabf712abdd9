package mapreduce

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

func (w *Worker) sendFetch(env node.Env, m int) {
	r := w.cur
	src := r.sources[m]
	env.Send(src.Worker, FetchReq{Attempt: r.a.Attempt, Map: m, Reduce: r.a.Task, Inc: src.Inc})
}

// fetching reports whether the worker is fetching for the given attempt and
// still misses map m's part.
func (w *Worker) fetching(attempt uint64, m int) bool {
	r := w.cur
	return r != nil && r.a.Kind == ReduceTask && r.step == fetching && r.a.Attempt == attempt &&
		m >= 0 && m < len(r.fetched) && r.fetched[m] == nil
}

func (w *Worker) onFetched(env node.Env, from node.ID, m FetchResp) {
	if !w.fetching(m.Attempt, m.Map) || m.Reduce != w.cur.a.Task {
		return
	}
	r := w.cur
	src := r.sources[m.Map]
	if from != src.Worker || m.Inc < src.Inc {
		return // an answer from a source given up on
	}
	if !m.Found {
		// The map worker restarted or dropped that output: ask the
		// coordinator where it is now.
		env.Send(w.cfg.Coordinator, LocateReq{Inc: w.inc, Attempt: r.a.Attempt, Map: m.Map})
		return
	}
	r.fetched[m.Map] = m.Data
	r.missing--
	if r.missing == 0 {
		w.reduce(env)
	}
}

// onLocated follows a map output that moved. If it is being re-executed,
// the reducer hands its task back rather than wait: the re-execution may
// need this very worker.
func (w *Worker) onLocated(env node.Env, m LocateResp) {
	if m.Exit && w.cur != nil && w.cur.a.Attempt == m.Attempt {
		w.cur = nil
		w.exited = true
		env.Logf("job done: exiting")
		return
	}
	if !w.fetching(m.Attempt, m.Map) {
		return
	}
	r := w.cur
	switch {
	case !m.Done:
		env.Logf("reduce %d: map %d is being re-executed; handing the task back", r.a.Task, m.Map)
		w.finish(env, false)
	case m.Source != r.sources[m.Map]:
		r.sources[m.Map] = m.Source
		w.sendFetch(env, m.Map)
	}
}

// reduce merges the fetched parts in map-task order, runs Reduce over each
// key, then pays for it.
func (w *Worker) reduce(env node.Env) {
	r := w.cur
	var kvs []KeyValue
	size := 0
	for m, data := range r.fetched {
		var err error
		if kvs, err = decodePairs(kvs, data); err != nil {
			panic(fmt.Sprintf("mapreduce: reduce %d: part from map %d: %v", r.a.Task, m, err))
		}
		size += len(data)
	}
	r.fetched = nil
	r.output = FormatOutput(reduceSorted(r.job.Reduce, kvs))
	r.tmp = fmt.Sprintf("mr-tmp-%d-%v-%d-%d", r.a.Task, env.Self(), w.inc, r.a.Attempt)
	r.left = w.cfg.cost(size)
	w.compute(env)
}

// onWritten moves from writing the temporary file to renaming it.
func (w *Worker) onWritten(env node.Env, tag uint64, name string) {
	r := w.cur
	if r == nil || r.a.Attempt != tag || name != r.tmp {
		return
	}
	if r.step == writing {
		w.next(env, renaming)
	}
}

// onRenamed completes a reduce task once its output is committed.
func (w *Worker) onRenamed(env node.Env, m RenameResp) {
	r := w.cur
	if r == nil || r.step != renaming || r.a.Attempt != m.Tag || m.From != r.tmp {
		return
	}
	if !m.OK {
		w.next(env, writing) // the temporary file is gone: write it again
		return
	}
	w.finish(env, true)
}
