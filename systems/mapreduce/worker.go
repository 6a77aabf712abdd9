package mapreduce

import (
	"fmt"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Worker runs the map and reduce tasks the coordinator hands it, keeps map
// output on its own disk and serves it to reducers. Build it with
// NewWorker.
type Worker struct {
	cfg    WorkerConfig
	inc    uint64
	exited bool

	seq    uint64 // the current TaskReq's number
	asking bool   // waiting for the answer to TaskReq seq
	prev   Report // what the current TaskReq reports
	cur    *run   // the task being run, nil when idle
}

// run is the worker's state for the task it is running.
type run struct {
	a     Assignment
	job   Job
	start time.Duration
	step  step
	left  time.Duration // CPU still to charge
	timer node.TimerID  // the retry timer of the current step
	tries int           // sends of the current step's requests

	parts [][]byte // a map task's partitioned output

	sources []Source // a reduce task's map outputs
	fetched [][]byte
	missing int
	output  []byte
	tmp     string
}

type step int

const (
	reading step = iota
	computing
	fetching
	writing
	renaming
)

// Timer tags.
type (
	askTimer     struct{ seq uint64 }
	pollTimer    struct{ seq uint64 }
	retryTimer   struct{ attempt uint64 }
	computeTimer struct{ attempt uint64 }
)

// NewWorker returns a worker's factory.
func NewWorker(cfg WorkerConfig) node.Factory {
	cfg.setDefaults()
	return func() node.Handler { return &Worker{cfg: cfg} }
}

// Exited reports whether the worker was told the job is done and exited.
func (w *Worker) Exited() bool { return w.exited }

// Incarnation is the worker's incarnation number, raised at every start.
func (w *Worker) Incarnation() uint64 { return w.inc }

// Handle implements node.Handler.
func (w *Worker) Handle(env node.Env, ev node.Event) {
	if _, ok := ev.(*node.Start); ok {
		w.boot(env)
		return
	}
	if w.exited {
		return
	}
	switch ev := ev.(type) {
	case *node.Timeout:
		w.onTimer(env, ev.Tag)
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case TaskReply:
			w.onReply(env, m)
		case Ping:
			env.Send(ev.From, Pong{Seq: m.Seq, Inc: w.inc})
		case FetchReq:
			w.serveFetch(env, ev.From, m)
		case FetchResp:
			w.onFetched(env, ev.From, m)
		case LocateResp:
			w.onLocated(env, m)
		case ReadResp:
			w.onRead(env, m)
		case WriteResp:
			w.onWritten(env, m.Tag, m.Name)
		case RenameResp:
			w.onRenamed(env, m)
		}
	}
}

// boot starts an incarnation: a new number, made durable before anything
// is sent, and the intermediate files of earlier incarnations deleted.
func (w *Worker) boot(env node.Env) {
	d := env.Disk()
	w.inc = nextIncarnation(d)
	for _, name := range d.Names() {
		if strings.HasPrefix(name, "mr-") {
			d.Remove(name) // a crash loses the map output, as in the paper
		}
	}
	w.ask(env)
}

// ask sends a new TaskReq carrying w.prev.
func (w *Worker) ask(env node.Env) {
	w.seq++
	w.asking = true
	w.sendAsk(env)
}

func (w *Worker) sendAsk(env node.Env) {
	env.Send(w.cfg.Coordinator, TaskReq{Inc: w.inc, Seq: w.seq, Prev: w.prev})
	env.SetTimer(w.cfg.RetryInterval, askTimer{w.seq})
}

func (w *Worker) onTimer(env node.Env, tag any) {
	switch t := tag.(type) {
	case askTimer:
		if w.asking && t.seq == w.seq {
			w.sendAsk(env)
		}
	case pollTimer:
		if !w.asking && w.cur == nil && t.seq == w.seq {
			w.ask(env)
		}
	case retryTimer:
		if w.cur != nil && w.cur.a.Attempt == t.attempt {
			w.retry(env)
		}
	case computeTimer:
		if w.cur != nil && w.cur.a.Attempt == t.attempt && w.cur.step == computing {
			w.compute(env)
		}
	}
}

func (w *Worker) onReply(env node.Env, m TaskReply) {
	if !w.asking || m.Seq != w.seq {
		return // a duplicate, or the answer to an earlier request
	}
	w.asking = false
	w.prev = Report{}
	switch m.Do {
	case Exit:
		w.exited = true
		env.Logf("job done: exiting")
	case Wait:
		env.SetTimer(w.cfg.PollInterval, pollTimer{w.seq})
	case Run:
		w.begin(env, m.Task)
	}
}

func (w *Worker) begin(env node.Env, a Assignment) {
	job, ok := Lookup(a.Job)
	if !ok {
		panic(fmt.Sprintf("mapreduce: worker was handed a task of job %q, which is not registered here", a.Job))
	}
	w.cur = &run{a: a, job: job, start: env.Now()}
	switch a.Kind {
	case MapTask:
		w.next(env, reading)
	case ReduceTask:
		w.cur.sources = append([]Source(nil), a.Sources...)
		w.cur.fetched = make([][]byte, len(a.Sources))
		w.cur.missing = len(a.Sources)
		if w.cur.missing == 0 {
			w.reduce(env)
			return
		}
		w.next(env, fetching)
	}
}

// retry sends the requests of the current step (again) and arms the retry
// timer.
func (w *Worker) retry(env node.Env) {
	r := w.cur
	r.tries++
	switch r.step {
	case reading:
		env.Send(w.cfg.Storage, ReadReq{Tag: r.a.Attempt, Name: r.a.Input})
	case fetching:
		for m, data := range r.fetched {
			if data == nil {
				w.sendFetch(env, m)
				if r.tries > 1 { // not the first try: ask where it is now
					env.Send(w.cfg.Coordinator, LocateReq{Inc: w.inc, Attempt: r.a.Attempt, Map: m})
				}
			}
		}
	case writing:
		env.Send(w.cfg.Storage, WriteReq{Tag: r.a.Attempt, Name: r.tmp, Data: r.output})
	case renaming:
		env.Send(w.cfg.Storage, RenameReq{Tag: r.a.Attempt, From: r.tmp, To: OutputName(r.a.Task)})
	case computing:
		return // no request out; the compute timer drives this step
	}
	env.StopTimer(r.timer)
	r.timer = env.SetTimer(w.cfg.RetryInterval, retryTimer{r.a.Attempt})
}

// next moves the current task to step s and sends its first requests.
func (w *Worker) next(env node.Env, s step) {
	w.cur.step = s
	w.cur.tries = 0
	w.retry(env)
}

// compute charges one slice of the CPU the task still owes and, once it is
// all paid, moves on.
func (w *Worker) compute(env node.Env) {
	r := w.cur
	if r.step != computing {
		r.step = computing
		env.StopTimer(r.timer)
	}
	if r.left > 0 {
		charge := min(r.left, computeSlice)
		env.Compute(charge)
		r.left -= charge
		if r.left > 0 {
			env.SetTimer(0, computeTimer{r.a.Attempt})
			return
		}
	}
	switch r.a.Kind {
	case MapTask:
		for p, data := range r.parts {
			env.Disk().WriteFile(intermediateName(w.inc, r.a.Task, p), data)
		}
		w.finish(env, true)
	case ReduceTask:
		w.next(env, writing)
	}
}

// finish reports the task done (or handed back) and asks for the next.
func (w *Worker) finish(env node.Env, done bool) {
	r := w.cur
	w.cur = nil
	env.StopTimer(r.timer)
	w.prev = Report{Kind: r.a.Kind, Task: r.a.Task, Attempt: r.a.Attempt, Done: done, Start: r.start, End: env.Now()}
	w.ask(env)
}

// intermediateName names part p of map task m's output in incarnation inc.
// Map output is never synced: a crash loses it, as in the paper.
func intermediateName(inc uint64, m, p int) string {
	return fmt.Sprintf("mr-%d-%d-%d", inc, m, p)
}
