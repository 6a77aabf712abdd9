package harness_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/raft"
)

// tinyKV is a whole catalogue harness: three kv servers on the log the
// run asks for, watched after every event, two clients appending to one
// key, and a schedule that crashes a server and brings it back.
func tinyKV(c *scenarios.Case) {
	w, faults := harness.NewWorld(c, sim.Config{})
	log := harness.LogOf(c)
	ids, names := []node.ID{0, 1, 2}, []string{"s0", "s1", "s2"}
	watch := log.Watch(w, "", ids)
	cfg := kv.ServerConfig{Raft: raft.Config{Peers: ids}, Paxos: log.PaxosConfig(ids)}
	for i, id := range ids {
		w.AddNode(names[i], watch.Factory(id, kv.NewServer(cfg)))
	}
	clients := harness.NewClients[*kv.Clerk](w)
	for range 2 {
		var cl *harness.Client[*kv.Clerk]
		cl = clients.Add(func() *kv.Clerk { return kv.NewClerk(ids, 100*time.Millisecond) }, func(env node.Env) {
			if clients.Stopping {
				return
			}
			op := kv.Op{Kind: kv.Append, Key: "k", Value: cl.Name() + " "}
			end := cl.Call(checker.KVInput{Op: checker.Append, Key: op.Key, Value: op.Value})
			cl.Clerk.Do(env, op, func(env node.Env, _ string) {
				end(checker.KVOutput{})
				cl.Think(env, env.Rand().Duration(0, 20*time.Millisecond))
			})
		})
	}
	faults.Role("leader", names, func() int { return slices.Index(ids, watch.Leader()) })
	faults.Describe(func() string { return watch.Describe() + "; waiting: " + fmt.Sprint(clients.Waiting()) })
	faults.Bind(scenarios.Schedule{
		{At: time.Second, Op: "crash", Args: []string{"s1"}},
		{At: 1500 * time.Millisecond, Op: "restart", Args: []string{"s1"}},
	})
	faults.Run(2 * time.Second)
	c.Check(clients.Drain(5 * time.Second))
	c.CheckLinearizable("kv", checker.KVModel, clients.History.Ops())
}

// Example runs a tiny harness on each consensus log.
func Example() {
	s := scenarios.Scenario{Name: "example/tiny-kv", Params: []scenarios.Param{harness.LogParam}, Run: tinyKV}
	for _, log := range []string{"raft", "paxos"} {
		out, err := scenarios.RunScenario(s, 1, scenarios.Options{Params: map[string]string{"log": log}})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: passed %v, faults %s\n", log, out.Passed, out.Faults)
	}
	// Output:
	// raft: passed true, faults 1s crash s1; 1.5s restart s1
	// paxos: passed true, faults 1s crash s1; 1.5s restart s1
}
