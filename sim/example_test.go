package sim_test

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// greeting is the message of the example.
type greeting struct{ Text string }

// Example builds a two-node world, partitions it, heals it and shows that a
// retrying sender gets through once the network is whole again.
func Example() {
	w := sim.New(42, sim.Config{})
	server := w.AddNode("server", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if m, ok := ev.(*node.Recv); ok {
				env.Send(m.From, greeting{"hello, " + m.Msg.(greeting).Text})
			}
		})
	})
	var reply string
	client := w.AddNode("client", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev := ev.(type) {
			case *node.Start, *node.Timeout:
				if reply == "" { // retry every 100 ms until answered
					env.Send(server, greeting{"client"})
					env.SetTimer(100*time.Millisecond, nil)
				}
			case *node.Recv:
				reply = ev.Msg.(greeting).Text
			}
		})
	})
	w.Net().Partition([]node.ID{server}, []node.ID{client})
	w.After(time.Second, "heal", w.Net().Heal)
	if err := w.RunUntil(func() bool { return reply != "" }, 5*time.Second, "a reply"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q after %v\n", reply, w.Now().Truncate(100*time.Millisecond))
	fmt.Println("dropped while partitioned:", w.NodeStats(client).Dropped)
	// Output:
	// "hello, client" after 1.1s
	// dropped while partitioned: 11
}
