package hashiraft

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// TestKVBasic elects a leader, applies 100 commands and checks that every
// replica ends with the same map, holding what the commands wrote.
func TestKVBasic(t *testing.T) {
	c, err := NewCluster(Options{Nodes: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	if _, err := c.WaitLeader(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient(1)
	want := map[string]string{}
	for i := 0; i < 100; i++ {
		key := fmt.Sprintf("k%d", i%7)
		val := fmt.Sprintf("v%d;", i)
		if i%3 == 0 {
			err = cl.Put(key, val)
			want[key] = val
		} else {
			err = cl.Append(key, val)
			want[key] += val
		}
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	for key, val := range want {
		got, err := cl.Get(key)
		if err != nil {
			t.Fatalf("get %q: %v", key, err)
		}
		if got != val {
			t.Fatalf("get %q = %q, want %q", key, got, val)
		}
	}
	if err := c.HealAndRestart(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckConverged(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < c.N(); i++ {
		data, _ := c.FSM(i).Data()
		if d := diffMaps(data, want); d != "" {
			t.Fatalf("node %d: replica vs expected: %s", i, d)
		}
	}
}

// TestKVLinearizable runs concurrent clients against a 5-node cluster while
// nodes are partitioned, crashed and restarted, and checks the history.
func TestKVLinearizable(t *testing.T) {
	runLinearizability(t, faultyWorkload(func(c *Cluster, id uint64) kv {
		return c.NewClient(id)
	}))
}

// faultyWorkload is the run of TestKVLinearizable, with the given clients.
func faultyWorkload(client func(c *Cluster, id uint64) kv) workload {
	return workload{
		Nodes:    5,
		Latency:  2 * time.Millisecond,
		Clients:  4,
		Keys:     3,
		Duration: 6 * time.Second,
		Client:   client,
	}
}

// kv is what a workload's clients call: the store's Client, or a variant.
type kv interface {
	Put(key, value string) error
	Append(key, value string) error
	Get(key string) (string, error)
}

// workload describes one randomized run.
type workload struct {
	Nodes, Clients, Keys int
	// Latency is the cluster's RPC latency (see Options).
	Latency time.Duration
	// Duration is how long the clients and faults run, in test time.
	Duration time.Duration
	// Client returns the client with the given id.
	Client func(c *Cluster, id uint64) kv
}

// kvInput and kvOutput are porcupine's view of an operation.
type kvInput struct {
	Op    Op
	Key   string
	Value string
}

type kvOutput struct {
	Value   string
	Unknown bool // the request was given up on: it may have taken effect
}

// kvModel is the sequential specification of one key (histories are
// partitioned by key): its state is the key's value.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		sort.Strings(keys)
		var out [][]porcupine.Operation
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s, in, out := state.(string), input.(kvInput), output.(kvOutput)
		switch in.Op {
		case OpPut:
			return true, in.Value
		case OpAppend:
			return true, s + in.Value
		default:
			return out.Unknown || out.Value == s, s
		}
	},
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(kvInput), output.(kvOutput)
		return describeOp(in, out)
	},
}

func describeOp(in kvInput, out kvOutput) string {
	switch {
	case in.Op == OpGet && out.Unknown:
		return fmt.Sprintf("get(%s) -> ?", in.Key)
	case in.Op == OpGet:
		return fmt.Sprintf("get(%s) -> %q", in.Key, out.Value)
	case out.Unknown:
		return fmt.Sprintf("%s(%s, %q) -> ? (outcome unknown)", in.Op, in.Key, in.Value)
	default:
		return fmt.Sprintf("%s(%s, %q) -> ok", in.Op, in.Key, in.Value)
	}
}

// history collects operations; times are offsets from the start of the run.
type history struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

func (h *history) now() int64 { return int64(time.Since(h.start)) }

func (h *history) add(client int, in kvInput, call int64, out kvOutput, ret int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
}

// never is the return time of a request given up on: it may take effect at
// any time after its call.
const never = math.MaxInt64

// do runs one operation through cl and records it.
func (h *history) do(client int, cl kv, in kvInput) {
	call := h.now()
	var out kvOutput
	var err error
	switch in.Op {
	case OpPut:
		err = cl.Put(in.Key, in.Value)
	case OpAppend:
		err = cl.Append(in.Key, in.Value)
	case OpGet:
		out.Value, err = cl.Get(in.Key)
	}
	ret := h.now()
	if err != nil {
		if in.Op == OpGet {
			return // a read that returned nothing constrains nothing
		}
		out, ret = kvOutput{Unknown: true}, never
	}
	h.add(client, in, call, out, ret)
}

// runLinearizability runs w: clients issue random operations while a fault
// goroutine partitions, heals, crashes and restarts nodes; then the cluster
// is healed, a final read of every key is recorded, and the history and the
// replicas are checked. All randomness comes from math/rand's top-level
// functions, which the backend seeds.
func runLinearizability(t *testing.T, w workload) {
	c, err := NewCluster(Options{Nodes: w.Nodes, Latency: w.Latency})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	if _, err := c.WaitLeader(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	h := &history{start: time.Now()}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < w.Clients; i++ {
		wg.Add(1)
		cl := w.Client(c, uint64(i+1))
		go func(i int) {
			defer wg.Done()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				in := kvInput{Key: fmt.Sprintf("k%d", rand.Intn(w.Keys))}
				switch p := rand.Intn(10); {
				case p < 4:
					in.Op = OpGet
				case p < 6:
					in.Op, in.Value = OpPut, fmt.Sprintf("[%d.%d]", i, seq)
				default:
					in.Op, in.Value = OpAppend, fmt.Sprintf("[%d.%d]", i, seq)
				}
				h.do(i, cl, in)
				time.Sleep(time.Duration(rand.Intn(20)) * time.Millisecond)
			}
		}(i)
	}
	var faults []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		faults = injectFaults(t, c, stop)
	}()
	time.Sleep(w.Duration)
	close(stop)
	wg.Wait()

	// hashicorp/raft backs off replicating to a follower that keeps failing
	// (10 ms doubling per failure, up to 10.24 s), and a follower cut off
	// for a while has failed many times: give the heal a minute of test
	// time, which costs little wall time here since it is mostly waiting.
	if err := c.HealAndRestart(time.Minute); err != nil {
		t.Fatalf("after faults %s: %v", strings.Join(faults, ", "), err)
	}
	final := w.Client(c, uint64(w.Clients+1))
	for k := 0; k < w.Keys; k++ {
		h.do(w.Clients, final, kvInput{Op: OpGet, Key: fmt.Sprintf("k%d", k)})
	}
	t.Logf("%d operations, faults: %s", len(h.ops), strings.Join(faults, ", "))
	if err := checkHistory(t, h.ops); err != nil {
		t.Fatalf("%v\nfaults: %s", err, strings.Join(faults, ", "))
	}
	// Every replica must end with the same map.
	if err := c.HealAndRestart(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckConverged(); err != nil {
		t.Fatal(err)
	}
}

// injectFaults draws faults until stop closes and returns what it did, with
// times from the start. It keeps at most a minority of nodes down, so that
// the cluster can make progress between faults.
func injectFaults(t *testing.T, c *Cluster, stop chan struct{}) []string {
	start := time.Now()
	var log []string
	note := func(format string, args ...interface{}) {
		log = append(log, fmt.Sprintf("%.3fs ", time.Since(start).Seconds())+fmt.Sprintf(format, args...))
	}
	n := c.N()
	for {
		select {
		case <-stop:
			return log
		case <-time.After(time.Duration(100+rand.Intn(700)) * time.Millisecond):
		}
		var down []int
		for i := 0; i < n; i++ {
			if !c.Up(i) {
				down = append(down, i)
			}
		}
		switch p := rand.Intn(10); {
		case p < 4:
			// Cut off a minority, with the leader in it half the time.
			size := 1 + rand.Intn((n-1)/2)
			set := rand.Perm(n)[:size]
			if l := c.Leader(); l >= 0 && rand.Intn(2) == 0 && !contains(set, l) {
				set[0] = l
			}
			sort.Ints(set)
			c.Partition(set)
			note("partition %v", set)
		case p < 6:
			c.Heal()
			note("heal")
		case p < 8:
			if len(down) >= (n-1)/2 {
				continue
			}
			i := rand.Intn(n)
			if l := c.Leader(); l >= 0 && rand.Intn(2) == 0 {
				i = l
			}
			if !c.Up(i) {
				continue
			}
			if err := c.Crash(i); err != nil {
				t.Errorf("crash node %d: %v", i, err)
			}
			note("crash %d", i)
		default:
			if len(down) == 0 {
				continue
			}
			i := down[rand.Intn(len(down))]
			if err := c.Restart(i); err != nil {
				t.Errorf("restart node %d: %v", i, err)
			}
			note("restart %d", i)
		}
	}
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// checkHistory checks ops for linearizability and, when they are not,
// explains where: the first operation (by return time) that no ordering
// can explain, with the operations on its key around it.
func checkHistory(t *testing.T, ops []porcupine.Operation) error {
	res := porcupine.CheckOperationsTimeout(kvModel, ops, time.Minute)
	switch res {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		t.Logf("linearizability check timed out: history of %d operations neither proven nor refuted", len(ops))
		return nil
	}
	byKey := kvModel.Partition(ops)
	for _, keyOps := range byKey {
		if porcupine.CheckOperations(kvModel, keyOps) {
			continue
		}
		return explain(keyOps)
	}
	return fmt.Errorf("history of %d operations is not linearizable", len(ops))
}

// prefix is the history as it stood at time t: the operations that
// returned by t, plus the writes called by t and not yet returned, whose
// effect may or may not have happened. Reads not yet returned are left out.
func prefix(ops []porcupine.Operation, t int64) []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range ops {
		switch {
		case op.Return <= t:
			out = append(out, op)
		case op.Call <= t && op.Input.(kvInput).Op != OpGet:
			op.Output, op.Return = kvOutput{Unknown: true}, never
			out = append(out, op)
		}
	}
	return out
}

// explain finds the earliest return time at which the history of one key
// is already not linearizable, and describes the operation that returned
// then with the operations of that key that came just before or during it.
func explain(ops []porcupine.Operation) error {
	var rets []int64
	for _, op := range ops {
		if op.Return != never {
			rets = append(rets, op.Return)
		}
	}
	sort.Slice(rets, func(i, j int) bool { return rets[i] < rets[j] })
	// Linearizability is prefix-closed, so the prefixes fail from some
	// point on: find the first.
	i := sort.Search(len(rets), func(i int) bool {
		return !porcupine.CheckOperations(kvModel, prefix(ops, rets[i]))
	})
	if i == len(rets) {
		return fmt.Errorf("history of key %s is not linearizable", ops[0].Input.(kvInput).Key)
	}
	t := rets[i]
	var bad porcupine.Operation
	for _, op := range ops {
		if op.Return == t {
			bad = op
		}
	}
	in := bad.Input.(kvInput)
	var b strings.Builder
	fmt.Fprintf(&b, "history is not linearizable: client %d's %s (called at %s, returned at %s) ",
		bad.ClientId, describeOp(in, bad.Output.(kvOutput)), fmtTime(bad.Call), fmtTime(bad.Return))
	if w, ok := missedWrite(ops, bad); ok {
		wo := w.Input.(kvInput)
		fmt.Fprintf(&b, "is a stale read: it misses client %d's %s(%s, %q), which returned at %s, before the get was called, and which no put could have overwritten since\n",
			w.ClientId, wo.Op, wo.Key, wo.Value, fmtTime(w.Return))
	} else {
		fmt.Fprintf(&b, "fits no order of the operations on %s before it\n", in.Key)
	}
	// Show the writes that finished shortly before the call, and every
	// operation that overlapped it.
	var context []porcupine.Operation
	for _, op := range prefix(ops, t) {
		if op.Return >= bad.Call-int64(200*time.Millisecond) {
			context = append(context, op)
		}
	}
	sort.Slice(context, func(i, j int) bool { return context[i].Call < context[j].Call })
	fmt.Fprintf(&b, "operations on %s from 200ms before its call:", in.Key)
	for _, op := range context {
		mark := "  "
		if op.Call == bad.Call && op.ClientId == bad.ClientId {
			mark = "=>"
		}
		fmt.Fprintf(&b, "\n  %s [%s, %s] client %d: %s", mark, fmtTime(op.Call), fmtTime(op.Return), op.ClientId,
			describeOp(op.Input.(kvInput), op.Output.(kvOutput)))
	}
	return fmt.Errorf("%s", b.String())
}

// missedWrite looks for a witness that the read r is stale: a write that
// returned before r was called, whose value r's result lacks, although no
// put could have come between it and r. A put that came last before r
// would begin r's result, and a put can come after the write only if it
// returned after the write was called and was called before r returned:
// so when no such put begins r's result, the write must show in it. It
// returns the latest such write.
func missedWrite(ops []porcupine.Operation, r porcupine.Operation) (porcupine.Operation, bool) {
	in, out := r.Input.(kvInput), r.Output.(kvOutput)
	if in.Op != OpGet || out.Unknown {
		return porcupine.Operation{}, false
	}
	var found porcupine.Operation
	ok := false
	for i, w := range ops {
		win := w.Input.(kvInput)
		if win.Op == OpGet || w.Return == never || w.Return >= r.Call || strings.Contains(out.Value, win.Value) {
			continue
		}
		overwritten := false
		for j, p := range ops {
			pin := p.Input.(kvInput)
			if pin.Op == OpPut && j != i && p.Return >= w.Call && p.Call <= r.Return && strings.HasPrefix(out.Value, pin.Value) {
				overwritten = true
				break
			}
		}
		if !overwritten && (!ok || w.Return > found.Return) {
			found, ok = w, true
		}
	}
	return found, ok
}

func fmtTime(t int64) string {
	if t == never {
		return "never"
	}
	return fmt.Sprintf("%.4fs", time.Duration(t).Seconds())
}
