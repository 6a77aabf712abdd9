package shardkv_test

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// admin joins the groups, then a client appends to two keys of different
// shards and reads one back.
type admin struct {
	ctl    *shardctrler.Clerk
	ck     *shardkv.Clerk
	groups []shardctrler.Group
	step   int
}

func (a *admin) Handle(env node.Env, ev node.Event) {
	if _, ok := ev.(*node.Start); ok {
		a.ctl.Join(env, a.groups, func(env node.Env, cfg shardctrler.Config) {
			fmt.Println("shards:", cfg.Shards)
			a.next(env, "")
		})
		return
	}
	if !a.ctl.Handle(env, ev) {
		a.ck.Handle(env, ev)
	}
}

func (a *admin) next(env node.Env, value string) {
	a.step++
	switch a.step {
	case 1:
		a.ck.Append(env, "apple", "red ", a.next) // shard 7: group 2
	case 2:
		a.ck.Append(env, "banana", "yellow", a.next) // shard 8: group 2
	case 3:
		a.ck.Append(env, "0", "zero", a.next) // shard 8
	case 4:
		a.ck.Get(env, "apple", a.next)
	case 5:
		fmt.Printf("apple: %q\n", value)
	}
}

// Example runs a controller and two replica groups of three servers in
// the simulator; the admin node joins both groups and then uses the store.
func Example() {
	w := sim.New(1, sim.Config{})
	ctl := []node.ID{0, 1, 2}
	for range ctl {
		w.AddNode("", shardctrler.NewServer(shardctrler.ServerConfig{Raft: raft.Config{Peers: ctl}}))
	}
	var groups []shardctrler.Group
	for gid := 1; gid <= 2; gid++ {
		ids := []node.ID{node.ID(3 * gid), node.ID(3*gid + 1), node.ID(3*gid + 2)}
		for range ids {
			w.AddNode("", shardkv.NewServer(shardkv.ServerConfig{GID: gid, Raft: raft.Config{Peers: ids}, Controllers: ctl}))
		}
		groups = append(groups, shardctrler.Group{GID: gid, Servers: ids})
	}
	a := &admin{ctl: shardctrler.NewClerk(ctl, 0), ck: shardkv.NewClerk(ctl, 0, 0), groups: groups}
	w.AddNode("admin", func() node.Handler { return a })
	if err := w.RunUntil(func() bool { return a.step == 5 }, 10*time.Second, "the read"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// shards: [1 1 1 1 1 2 2 2 2 2]
	// apple: "red "
}
