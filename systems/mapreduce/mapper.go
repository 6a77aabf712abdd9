package mapreduce

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// onRead runs Map over the split storage returned, then pays for it.
func (w *Worker) onRead(env node.Env, m ReadResp) {
	r := w.cur
	if r == nil || r.a.Kind != MapTask || r.step != reading || m.Tag != r.a.Attempt || m.Name != r.a.Input {
		return
	}
	if !m.Found {
		panic(fmt.Sprintf("mapreduce: storage has no input file %q", r.a.Input))
	}
	kvs := r.job.Map(r.a.Input, string(m.Data))
	if r.job.Combine != nil {
		kvs = reduceSorted(r.job.Combine, kvs)
	}
	r.parts = partitionPairs(kvs, r.a.NReduce)
	r.left = w.cfg.cost(len(m.Data))
	w.compute(env)
}

// serveFetch hands a reducer one part of a map output this incarnation
// wrote.
func (w *Worker) serveFetch(env node.Env, from node.ID, m FetchReq) {
	resp := FetchResp{Attempt: m.Attempt, Map: m.Map, Reduce: m.Reduce, Inc: w.inc}
	if m.Inc == w.inc {
		data, err := env.Disk().ReadFile(intermediateName(w.inc, m.Map, m.Reduce))
		resp.Found, resp.Data = err == nil, data
	}
	env.Send(from, resp)
}
