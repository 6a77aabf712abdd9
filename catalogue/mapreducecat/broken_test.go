package mapreducecat

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

// Broken variants of the MapReduce system, built from outside it: each
// wraps the coordinator's or a worker's node, rewriting or swallowing what
// it receives and sends, or gives it a disk that lies. The system itself
// carries no switch for any of them. Each reproduces one classic mistake
// as the node's peers would see it, which is all the catalogue's checks
// can see too.

// interceptor stands between a system node and the simulator: in may
// rewrite or swallow (false) what the node receives, out what it sends,
// and disk replace the node's disk.
type interceptor struct {
	inner node.Handler
	in    func(env node.Env, from node.ID, msg any) (any, bool)
	out   func(env node.Env, to node.ID, msg any) (any, bool)
	disk  func(node.Disk) node.Disk
}

// Unwrap gives the system's node, for the harness's checks.
func (h *interceptor) Unwrap() node.Handler { return h.inner }

func (h *interceptor) Handle(env node.Env, ev node.Event) {
	env = interceptedEnv{env, h}
	if m, ok := ev.(*node.Recv); ok && h.in != nil {
		msg, keep := h.in(env, m.From, m.Msg)
		if !keep {
			return
		}
		ev = &node.Recv{From: m.From, Msg: msg}
	}
	h.inner.Handle(env, ev)
}

type interceptedEnv struct {
	node.Env
	h *interceptor
}

func (e interceptedEnv) Send(to node.ID, msg any) {
	if e.h.out != nil {
		var keep bool
		if msg, keep = e.h.out(e.Env, to, msg); !keep {
			return
		}
	}
	e.Env.Send(to, msg)
}

func (e interceptedEnv) Disk() node.Disk {
	if e.h.disk != nil {
		return e.h.disk(e.Env.Disk())
	}
	return e.Env.Disk()
}

// keepLostMaps: the coordinator keeps pointing reducers at the worker that
// first completed each map task, although that worker's output died with
// it (the paper's completed map tasks must be re-executed on a failure,
// because their output is on the failed machine's local disk).
func keepLostMaps(inner node.Handler) node.Handler {
	first := map[int]mapreduce.Source{}
	return &interceptor{inner: inner,
		in: func(_ node.Env, from node.ID, msg any) (any, bool) {
			if m, ok := msg.(mapreduce.TaskReq); ok && m.Prev.Kind == mapreduce.MapTask && m.Prev.Done {
				if _, seen := first[m.Prev.Task]; !seen {
					first[m.Prev.Task] = mapreduce.Source{Worker: from, Inc: m.Inc}
				}
			}
			return msg, true
		},
		out: func(_ node.Env, _ node.ID, msg any) (any, bool) {
			switch m := msg.(type) {
			case mapreduce.TaskReply:
				if m.Do == mapreduce.Run && m.Task.Kind == mapreduce.ReduceTask {
					m.Task.Sources = append([]mapreduce.Source(nil), m.Task.Sources...)
					for i := range m.Task.Sources {
						if src, ok := first[i]; ok {
							m.Task.Sources[i] = src
						}
					}
				}
				return m, true
			case mapreduce.LocateResp:
				if src, ok := first[m.Map]; ok && m.Done {
					m.Source = src
				}
				return m, true
			}
			return msg, true
		}}
}

// doneWhenAssigned: once every reduce task has been handed out, the
// coordinator takes the job for done and tells every worker that asks to
// exit, rather than waiting for every output to be committed.
func doneWhenAssigned(inner node.Handler) node.Handler {
	handedOut := map[int]bool{}
	nReduce := -1
	done := func() bool { return nReduce >= 0 && len(handedOut) == nReduce }
	return &interceptor{inner: inner,
		in: func(env node.Env, from node.ID, msg any) (any, bool) {
			if !done() {
				return msg, true
			}
			switch m := msg.(type) {
			case mapreduce.TaskReq:
				env.Send(from, mapreduce.TaskReply{Seq: m.Seq, Do: mapreduce.Exit})
				return nil, false
			case mapreduce.LocateReq:
				env.Send(from, mapreduce.LocateResp{Attempt: m.Attempt, Map: m.Map, Exit: true})
				return nil, false
			}
			return msg, true
		},
		out: func(_ node.Env, _ node.ID, msg any) (any, bool) {
			if m, ok := msg.(mapreduce.TaskReply); ok && m.Do == mapreduce.Run && m.Task.Kind == mapreduce.ReduceTask {
				handedOut[m.Task.Task] = true
				nReduce = m.Task.NReduce
			}
			return msg, true
		}}
}

// noFailureDetector: the coordinator never marks a silent worker failed;
// only a restart (a newer incarnation) or a task timeout reveals a loss.
func noFailureDetector(cfg *mapreduce.CoordinatorConfig) { cfg.WorkerTimeout = 1 << 62 }

// noTaskTimeout: the coordinator never gives up on an attempt that is not
// reported (a worker that pings but cannot finish keeps its task for ever).
func noTaskTimeout(cfg *mapreduce.CoordinatorConfig) { cfg.TaskTimeout = 1 << 62 }

// trustStaleIncarnations: the coordinator takes a message from an older
// incarnation of a worker for the current one's.
func trustStaleIncarnations(inner node.Handler) node.Handler {
	latest := map[node.ID]uint64{}
	current := func(from node.ID, inc uint64) uint64 {
		latest[from] = max(latest[from], inc)
		return latest[from]
	}
	return &interceptor{inner: inner,
		in: func(_ node.Env, from node.ID, msg any) (any, bool) {
			switch m := msg.(type) {
			case mapreduce.TaskReq:
				m.Inc = current(from, m.Inc)
				return m, true
			case mapreduce.LocateReq:
				m.Inc = current(from, m.Inc)
				return m, true
			case mapreduce.Pong:
				m.Inc = current(from, m.Inc)
				return m, true
			}
			return msg, true
		}}
}

// directCommit: a reducer writes its output straight to its final name,
// in two pieces (a write, then an append where the rename would be),
// instead of renaming a finished temporary file: a crash between the two
// leaves half an output committed, and a retried append doubles a piece.
func directCommit(inner node.Handler) node.Handler {
	type commit struct {
		tmp, final string
		rest       []byte
	}
	pending := map[uint64]*commit{} // by attempt
	return &interceptor{inner: inner,
		out: func(_ node.Env, _ node.ID, msg any) (any, bool) {
			switch m := msg.(type) {
			case mapreduce.WriteReq:
				var task int
				if _, err := fmt.Sscanf(m.Name, "mr-tmp-%d-", &task); err != nil || !strings.HasPrefix(m.Name, "mr-tmp-") {
					return msg, true
				}
				c := &commit{tmp: m.Name, final: mapreduce.OutputName(task), rest: m.Data[len(m.Data)/2:]}
				pending[m.Tag] = c
				return mapreduce.WriteReq{Tag: m.Tag, Name: c.final, Data: m.Data[:len(m.Data)/2]}, true
			case mapreduce.RenameReq:
				if c := pending[m.Tag]; c != nil && m.From == c.tmp {
					return mapreduce.AppendReq{Tag: m.Tag, Name: c.final, Data: c.rest}, true
				}
			}
			return msg, true
		},
		in: func(_ node.Env, _ node.ID, msg any) (any, bool) {
			switch m := msg.(type) {
			case mapreduce.WriteResp:
				if c := pending[m.Tag]; c != nil && m.Name == c.final {
					return mapreduce.WriteResp{Tag: m.Tag, Name: c.tmp}, true
				}
			case mapreduce.AppendResp:
				if c := pending[m.Tag]; c != nil && m.Name == c.final {
					return mapreduce.RenameResp{Tag: m.Tag, From: c.tmp, To: c.final, OK: true}, true
				}
			}
			return msg, true
		}}
}

// volatileIncarnation: a worker does not sync its incarnation number
// before talking, so a crash can make a restarted worker reuse it.
func volatileIncarnation(inner node.Handler) node.Handler {
	return &interceptor{inner: inner, disk: func(d node.Disk) node.Disk { return noSyncDisk{d} }}
}

type noSyncDisk struct{ node.Disk }

func (noSyncDisk) Sync()           {}
func (noSyncDisk) SyncFile(string) {}

// waitForReexecution: a reducer told that a map output it needs is being
// re-executed keeps waiting for it instead of handing its own task back,
// although the re-execution may need this very worker.
func waitForReexecution(inner node.Handler) node.Handler {
	return &interceptor{inner: inner,
		in: func(_ node.Env, _ node.ID, msg any) (any, bool) {
			if m, ok := msg.(mapreduce.LocateResp); ok && !m.Done && !m.Exit {
				return nil, false
			}
			return msg, true
		}}
}
