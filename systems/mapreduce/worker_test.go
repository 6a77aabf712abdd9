package mapreduce

import (
	"slices"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

const workerID node.ID = 5

// workerHarness drives a worker through a fakeEnv.
type workerHarness struct {
	t   *testing.T
	env *fakeEnv
	w   *Worker
	cfg WorkerConfig
}

func newWorkerHarness(t *testing.T, cfg WorkerConfig) *workerHarness {
	cfg.Coordinator, cfg.Storage = coordID, storageID
	h := &workerHarness{t: t, env: newFakeEnv(workerID), cfg: cfg}
	h.boot(false)
	return h
}

func (h *workerHarness) boot(restarted bool) {
	h.w = NewWorker(h.cfg)().(*Worker)
	h.w.Handle(h.env, &node.Start{Restarted: restarted})
}

// recv delivers msg and returns the one message sent in response.
func (h *workerHarness) recv(from node.ID, msg any) sentMsg {
	h.t.Helper()
	h.w.Handle(h.env, &node.Recv{From: from, Msg: msg})
	sent := h.env.take()
	if len(sent) != 1 {
		h.t.Fatalf("after %T: sent %+v; want one message", msg, sent)
	}
	return sent[0]
}

// TestWorkerIncarnation: each start raises the incarnation number and
// makes it durable before the first message goes out; the intermediate
// files of earlier incarnations are gone.
func TestWorkerIncarnation(t *testing.T) {
	h := newWorkerHarness(t, WorkerConfig{})
	for i := uint64(1); i <= 3; i++ {
		if h.w.Incarnation() != i {
			t.Fatalf("start %d: incarnation %d", i, h.w.Incarnation())
		}
		firstSend := slices.IndexFunc(h.env.effects, func(e effect) bool { return e.send != nil })
		if firstSend < 0 || !slices.ContainsFunc(h.env.effects[:firstSend], func(e effect) bool { return e.send == nil && e.op == nil }) {
			t.Fatalf("start %d: a message went out before the incarnation was synced", i)
		}
		if req := h.env.take()[0].msg.(TaskReq); req.Inc != i || req.Seq != 1 {
			t.Fatalf("start %d: asked %+v", i, req)
		}
		h.env.disk.view[intermediateName(i, 0, 0)] = []byte("old")
		h.env.disk.durable[intermediateName(i, 0, 0)] = []byte("old")
		h.env.disk.crash(len(h.env.disk.pending))
		h.env.effects = nil
		h.boot(true)
		if slices.ContainsFunc(h.env.disk.Names(), func(n string) bool { return n != incarnationFile && n != witnessFile }) {
			t.Fatalf("start %d: files of an earlier incarnation are still there: %v", i+1, h.env.disk.Names())
		}
	}
}

func (d *fakeDisk) Names() []string { return node.SortedKeys(d.view) }

func TestWorkerRunsAMapTask(t *testing.T) {
	h := newWorkerHarness(t, WorkerConfig{})
	h.env.take()
	a := Assignment{Kind: MapTask, Task: 3, Attempt: 9, Job: "wc", NReduce: 2, Input: "in"}
	read := h.recv(coordID, TaskReply{Seq: 1, Do: Run, Task: a})
	if read.to != storageID || read.msg != (ReadReq{Tag: 9, Name: "in"}) {
		t.Fatalf("sent %+v; want a ReadReq for the split", read)
	}
	ask := h.recv(storageID, ReadResp{Tag: 9, Name: "in", Found: true, Data: []byte("b a b c")})
	req := ask.msg.(TaskReq)
	if req.Seq != 2 || req.Prev.Kind != MapTask || req.Prev.Task != 3 || req.Prev.Attempt != 9 || !req.Prev.Done {
		t.Fatalf("after the map: %+v; want a TaskReq reporting map 3 done", req)
	}
	// Serve both parts; together they hold the combined counts.
	var got []KeyValue
	for r := range 2 {
		resp := h.recv(8, FetchReq{Attempt: 40, Map: 3, Reduce: r, Inc: 1}).msg.(FetchResp)
		if !resp.Found {
			t.Fatalf("part %d not found", r)
		}
		var err error
		if got, err = decodePairs(got, resp.Data); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(got, cmpKey)
	if want := []KeyValue{{"a", "1"}, {"b", "2"}, {"c", "1"}}; !slices.Equal(got, want) {
		t.Errorf("map output %v; want %v", got, want)
	}
	// Another incarnation's output is not served.
	if resp := h.recv(8, FetchReq{Attempt: 40, Map: 3, Reduce: 0, Inc: 2}).msg.(FetchResp); resp.Found || resp.Inc != 1 {
		t.Errorf("fetch of incarnation 2's output: %+v; want not found, incarnation 1", resp)
	}
}

func TestWorkerRunsAReduceTask(t *testing.T) {
	h := newWorkerHarness(t, WorkerConfig{})
	h.env.take()
	a := Assignment{Kind: ReduceTask, Task: 1, Attempt: 12, Job: "wc", NReduce: 2, Sources: []Source{{20, 4}, {21, 1}}}
	h.w.Handle(h.env, &node.Recv{From: coordID, Msg: TaskReply{Seq: 1, Do: Run, Task: a}})
	fetches := h.env.take()
	if len(fetches) != 2 || fetches[0].to != 20 || fetches[0].msg != (FetchReq{Attempt: 12, Map: 0, Reduce: 1, Inc: 4}) {
		t.Fatalf("sent %+v; want a FetchReq to each source", fetches)
	}
	part := func(kvs ...KeyValue) []byte { return partitionPairs(kvs, 1)[0] }
	h.silent(20, FetchResp{Attempt: 12, Map: 0, Reduce: 1, Inc: 4, Found: true, Data: part(KeyValue{"x", "2"}, KeyValue{"y", "1"})})
	write := h.recv(21, FetchResp{Attempt: 12, Map: 1, Reduce: 1, Inc: 1, Found: true, Data: part(KeyValue{"x", "3"})}).msg.(WriteReq)
	if want := "x 5\ny 1\n"; string(write.Data) != want || write.Name == OutputName(1) {
		t.Fatalf("wrote %q to %s; want %q to a temporary file", write.Data, write.Name, want)
	}
	rename := h.recv(storageID, WriteResp{Tag: 12, Name: write.Name}).msg.(RenameReq)
	if rename.From != write.Name || rename.To != OutputName(1) {
		t.Fatalf("renamed %+v; want the temporary file to %s", rename, OutputName(1))
	}
	req := h.recv(storageID, RenameResp{Tag: 12, From: rename.From, To: rename.To, OK: true}).msg.(TaskReq)
	if !req.Prev.Done || req.Prev.Kind != ReduceTask || req.Prev.Task != 1 {
		t.Errorf("after the commit: %+v; want reduce 1 reported done", req)
	}
}

func (h *workerHarness) silent(from node.ID, msg any) {
	h.t.Helper()
	h.w.Handle(h.env, &node.Recv{From: from, Msg: msg})
	if sent := h.env.take(); len(sent) != 0 {
		h.t.Fatalf("after %T: sent %+v; want nothing", msg, sent)
	}
}

// TestReducerFollowsMovedOutput: a reducer whose source lost its output
// asks the coordinator; it follows a new location, and hands its task back
// when the map task is being re-executed.
func TestReducerFollowsMovedOutput(t *testing.T) {
	h := newWorkerHarness(t, WorkerConfig{})
	h.env.take()
	a := Assignment{Kind: ReduceTask, Task: 0, Attempt: 7, Job: "wc", NReduce: 1, Sources: []Source{{20, 1}, {21, 1}}}
	h.w.Handle(h.env, &node.Recv{From: coordID, Msg: TaskReply{Seq: 1, Do: Run, Task: a}})
	h.env.take()
	locate := h.recv(20, FetchResp{Attempt: 7, Map: 0, Reduce: 0, Inc: 2})
	if locate.to != coordID || locate.msg != (LocateReq{Inc: 1, Attempt: 7, Map: 0}) {
		t.Fatalf("after a miss: %+v; want a LocateReq", locate)
	}
	moved := h.recv(coordID, LocateResp{Attempt: 7, Map: 0, Done: true, Source: Source{22, 3}})
	if moved.to != 22 || moved.msg != (FetchReq{Attempt: 7, Map: 0, Reduce: 0, Inc: 3}) {
		t.Fatalf("after the move: %+v; want a fetch from the new source", moved)
	}
	back := h.recv(coordID, LocateResp{Attempt: 7, Map: 1}).msg.(TaskReq)
	if back.Prev.Done || back.Prev.Kind != ReduceTask || back.Prev.Attempt != 7 {
		t.Errorf("after a re-execution: %+v; want the task handed back", back)
	}
}
