package shardkvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// skvWorkload is what a client does on its own.
type skvWorkload struct {
	keys       []string
	appendOnly bool          // only Append (else a mix of Get, Put and Append)
	valueSize  int           // bytes per value written (0: a short tag)
	thinkMax   time.Duration // pause between operations
}

// skvClient is a client node: a clerk, maybe a workload, and the history.
type skvClient struct {
	*harness.Client[*watchedClerk]
	kc      *skvCluster
	load    *skvWorkload
	ops     int
	current string // the operation in progress, for describe
	// appended records this client's appends per key, in order, for the
	// scenarios that check every append is there exactly once.
	appended map[string][]string
}

// addClients adds n clients, each running load if set.
func (kc *skvCluster) addClients(n int, load *skvWorkload) []*skvClient {
	var added []*skvClient
	for i := 0; i < n; i++ {
		cl := &skvClient{kc: kc, load: load, appended: map[string][]string{}}
		cl.Client = kc.nodes.Add(func() *watchedClerk {
			return &watchedClerk{Clerk: shardkv.NewClerk(kc.ctrl, kc.nShards, kc.opts.clerkRetry), kc: kc}
		}, cl.next)
		kc.clients = append(kc.clients, cl)
		added = append(added, cl)
	}
	return added
}

// next starts the workload's next operation.
func (cl *skvClient) next(env node.Env) {
	kc := cl.kc
	if cl.load == nil || kc.nodes.Stopping || cl.Clerk.Busy() {
		return
	}
	r := env.Rand()
	op := shardkv.Op{Key: cl.load.keys[r.IntN(len(cl.load.keys))], Value: cl.value(r)}
	switch {
	case cl.load.appendOnly:
		op.Kind = shardkv.Append
	default:
		op.Kind = []shardkv.Kind{shardkv.Get, shardkv.Put, shardkv.Append}[r.IntN(3)]
	}
	cl.issue(env, op, func(env node.Env, _ string) {
		cl.Think(env, r.Duration(0, cl.load.thinkMax))
	})
}

// value is the next value this client writes: a tag unique to the client
// and operation, padded to the workload's size.
func (cl *skvClient) value(r *node.Rand) string {
	v := fmt.Sprintf("c%d.%d ", cl.Index, cl.ops)
	for cl.load != nil && len(v) < cl.load.valueSize {
		v += string(rune('a' + r.IntN(26)))
	}
	return v
}

// issue runs one operation through the clerk, recording it.
func (cl *skvClient) issue(env node.Env, op shardkv.Op, then func(env node.Env, value string)) {
	cl.ops++
	end := cl.Call(checker.KVInput{Op: checker.KVOp(op.Kind), Key: op.Key, Value: op.Value})
	cl.current = fmt.Sprintf("%s %q", op.Kind, op.Key)
	if op.Kind == shardkv.Append {
		cl.appended[op.Key] = append(cl.appended[op.Key], op.Value)
	}
	cl.kc.appending(cl, op)
	cl.Clerk.Do(env, op, func(env node.Env, value string) {
		cl.kc.read(cl, op, value)
		out := checker.KVOutput{}
		if op.Kind == shardkv.Get {
			out.Value = value
		}
		end(out)
		cl.current = ""
		then(env, value)
	})
}

// do runs one operation from client cl and waits up to limit for it.
func (kc *skvCluster) do(cl *skvClient, op shardkv.Op, limit time.Duration) string {
	kc.Bind(nil)
	var value string
	done := false
	kc.w.Invoke(cl.ID, fmt.Sprintf("%s %q", op.Kind, op.Key), func(env node.Env) {
		cl.issue(env, op, func(_ node.Env, v string) { value, done = v, true })
	})
	kc.c.Must(kc.w.RunUntil(func() bool { return done }, limit, fmt.Sprintf("%s's %s of %q answered", cl.Name(), op.Kind, op.Key)))
	return value
}

func (kc *skvCluster) put(cl *skvClient, key, value string) {
	kc.do(cl, shardkv.Op{Kind: shardkv.Put, Key: key, Value: value}, 20*time.Second)
}

func (kc *skvCluster) appendTo(cl *skvClient, key, value string) {
	kc.do(cl, shardkv.Op{Kind: shardkv.Append, Key: key, Value: value}, 20*time.Second)
}

// check reads key through cl and fails the run unless it holds want.
func (kc *skvCluster) check(cl *skvClient, key, want string) {
	if got := kc.do(cl, shardkv.Op{Kind: shardkv.Get, Key: key}, 20*time.Second); got != want {
		kc.c.Failf("get(%q) = %q, want %q", key, got, want)
	}
}

// startLoad sets clients with a workload running.
func (kc *skvCluster) startLoad(cls []*skvClient) {
	kc.Bind(nil)
	for _, cl := range cls {
		kc.w.Invoke(cl.ID, "start workload", cl.next)
	}
}
