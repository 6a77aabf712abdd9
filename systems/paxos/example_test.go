package paxos_test

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
)

type peer struct{ px *paxos.Paxos }

func (p peer) Handle(env node.Env, ev node.Event) { p.px.Handle(env, ev) }

// Three peers in a simulated world; two propose different values for
// instance 0, and every peer learns the same one.
func Example() {
	w := sim.New(1, sim.Config{})
	ids := []node.ID{0, 1, 2}
	peers := make([]*paxos.Paxos, len(ids))
	for i := range ids {
		// The factory builds a new peer at every (re)start; it restores
		// its state from the node's disk on Start.
		w.AddNode(fmt.Sprintf("p%d", i), func() node.Handler {
			peers[i] = paxos.New(paxos.Config{Peers: ids})
			return peer{peers[i]}
		})
	}
	w.RunFor(0) // the peers start
	w.Invoke(0, "propose", func(env node.Env) { peers[0].Start(env, 0, []byte("apple")) })
	w.Invoke(1, "propose", func(env node.Env) { peers[1].Start(env, 0, []byte("pear")) })
	w.RunFor(time.Second)
	var learned []string
	for _, px := range peers {
		fate, v := px.Status(0)
		learned = append(learned, fmt.Sprintf("%v %s", fate, v))
	}
	fmt.Println(learned[0] == learned[1] && learned[1] == learned[2], peers[2].Max())
	// Output: true 0
}
