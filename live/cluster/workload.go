package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/systems/kv"
)

// Workload is a load to put on a live kv cluster: clients each running
// one operation after another (Get, Put and Append on a few keys) for a
// while, their history recorded for the linearizability checker.
type Workload struct {
	Clients int // concurrent clients; zero means 4
	Keys    int // keys, "k0".. ; zero means 4
	// KeyPrefix goes before every key. The history is checked as if
	// the keys started empty, so a workload on a cluster that already
	// holds data needs keys of its own.
	KeyPrefix string
	Duration  time.Duration // how long clients start operations; zero means 5 s
	// OpTimeout is how long a client waits for one operation; one that
	// times out is unknown in the history, and the client goes on as a
	// new client. Zero means 5 s.
	OpTimeout time.Duration
	// GetShare is the share of Gets, the rest being Puts; zero means a
	// third each of Get, Put and Append.
	GetShare float64
	Log      func(format string, args ...any)
	// Stop, when closed, ends the workload early: clients start nothing
	// more, the operations in flight finish (or time out), and what
	// finished is in the result and its history as usual.
	Stop <-chan struct{}
}

// WorkloadResult is what a workload did.
type WorkloadResult struct {
	Ops       int             // operations answered
	Unknown   int             // operations that timed out
	Latencies []time.Duration // of the answered ones, sorted
	Elapsed   time.Duration
	History   []checker.Op // times since the workload began
}

// Throughput is answered operations per second.
func (r WorkloadResult) Throughput() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// Percentile returns the latency at quantile q (0.5, 0.99).
func (r WorkloadResult) Percentile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[min(len(r.Latencies)-1, int(q*float64(len(r.Latencies))))]
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// RunWorkload runs w against the cluster.
func RunWorkload(cfg *Config, w Workload) (WorkloadResult, error) {
	if w.Clients <= 0 {
		w.Clients = 4
	}
	if w.Keys <= 0 {
		w.Keys = 4
	}
	if w.Duration <= 0 {
		w.Duration = 5 * time.Second
	}
	if w.OpTimeout <= 0 {
		w.OpTimeout = 5 * time.Second
	}
	start := time.Now()
	var mu sync.Mutex
	rec := checker.NewRecorder(func() time.Duration { return time.Since(start) })
	var res WorkloadResult
	var wg sync.WaitGroup
	errs := make(chan error, w.Clients)
	for i := 0; i < w.Clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cl, err := NewClient(cfg, ClientOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer func() { cl.Close() }()
			r := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			index := i // the history's client: a new one after a timeout
			for n := 0; time.Since(start) < w.Duration && !stopped(w.Stop); n++ {
				op := kv.Op{Key: fmt.Sprintf("%sk%d", w.KeyPrefix, r.IntN(w.Keys))}
				switch x := r.Float64(); {
				case w.GetShare > 0 && x < w.GetShare:
					op.Kind = kv.Get
				case w.GetShare > 0:
					op.Kind, op.Value = kv.Put, fmt.Sprintf("c%d.%d ", index, n)
				default:
					op.Kind = []kv.Kind{kv.Get, kv.Put, kv.Append}[r.IntN(3)]
					op.Value = fmt.Sprintf("c%d.%d ", index, n)
				}
				if op.Kind == kv.Get {
					op.Value = ""
				}
				mu.Lock()
				id := rec.Call(index, checker.KVInput{Op: checker.KVOp(op.Kind), Key: op.Key, Value: op.Value})
				mu.Unlock()
				t0 := time.Now()
				v, err := cl.Do(op, w.OpTimeout)
				lat := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.Unknown++
					index += w.Clients
					if w.Log != nil {
						w.Log("client %d: %v", i, err)
					}
				} else {
					out := checker.KVOutput{}
					if op.Kind == kv.Get {
						out.Value = v
					}
					rec.Return(id, out)
					res.Ops++
					res.Latencies = append(res.Latencies, lat)
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	res.History = rec.Ops()
	return res, nil
}
