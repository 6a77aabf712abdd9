package kv_test

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/raft"
)

// client appends to a key twice through its clerk, then reads it.
type client struct {
	ck   *kv.Clerk
	step int
}

func (c *client) Handle(env node.Env, ev node.Event) {
	if _, ok := ev.(*node.Start); ok {
		c.next(env, "")
		return
	}
	c.ck.Handle(env, ev) // replies and retry timers
}

func (c *client) next(env node.Env, value string) {
	c.step++
	switch c.step {
	case 1:
		c.ck.Append(env, "greeting", "hello, ", c.next)
	case 2:
		c.ck.Append(env, "greeting", "world", c.next)
	case 3:
		c.ck.Get(env, "greeting", c.next)
	case 4:
		fmt.Printf("read %q at %v\n", value, env.Now().Round(100*time.Millisecond))
	}
}

// Example runs three servers and a client in the simulator; the client's
// first request finds no leader yet, so its clerk retries until one is
// elected.
func Example() {
	w := sim.New(1, sim.Config{})
	servers := []node.ID{0, 1, 2}
	for range servers {
		w.AddNode("", kv.NewServer(kv.ServerConfig{Raft: raft.Config{Peers: servers}}))
	}
	c := &client{ck: kv.NewClerk(servers, 100*time.Millisecond)}
	w.AddNode("client", func() node.Handler { return c })
	if err := w.RunUntil(func() bool { return c.step == 4 }, 10*time.Second, "the read"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// read "hello, world" at 400ms
}
