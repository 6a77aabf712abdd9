package raft_test

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/raft"
)

// counterService is a state machine that adds up the commands it applies.
type counterService struct{ sum int }

func (s *counterService) ApplyCommand(env node.Env, index, term int, cmd any) {
	s.sum += cmd.(int)
	fmt.Printf("applied index %d (term %d): +%d = %d\n", index, term, cmd, s.sum)
}

func (s *counterService) ApplySnapshot(env node.Env, index, term int, snap []byte) {
	fmt.Printf("restored snapshot of index %d: %s\n", index, snap)
}

// exampleServer hosts Raft in a node: Raft takes its own events, the rest is the
// exampleServer's (here there is no rest).
type exampleServer struct{ rf *raft.Raft }

func (s *exampleServer) Handle(env node.Env, ev node.Event) { s.rf.Handle(env, ev) }

// Example hosts a one-exampleServer cluster by hand (package nodetest) so the
// output is plain to follow; in the simulator the same exampleServer runs as a
// node of a sim.World.
func Example() {
	svc := &counterService{}
	srv := &exampleServer{rf: raft.New(raft.Config{Peers: []node.ID{0}}, svc)}
	env := nodetest.New(0, 42)
	env.Start(srv, false) // boots Raft; a cluster of one elects itself

	for _, x := range []int{5, 7} {
		index, term, isLeader := srv.rf.Start(env, x)
		fmt.Printf("Start(%d) = index %d, term %d, leader %v\n", x, index, term, isLeader)
	}
	srv.rf.Snapshot(env, 2, []byte("sum=12"))

	env.Crash() // memory and unsynced writes are gone; the disk stays
	srv = &exampleServer{rf: raft.New(raft.Config{Peers: []node.ID{0}}, svc)}
	env.Start(srv, true)
	term, isLeader := srv.rf.State()
	fmt.Printf("after restart: term %d, leader %v\n", term, isLeader)
	// Output:
	// applied index 1 (term 1): +5 = 5
	// Start(5) = index 1, term 1, leader true
	// applied index 2 (term 1): +7 = 12
	// Start(7) = index 2, term 1, leader true
	// restored snapshot of index 2: sum=12
	// after restart: term 2, leader true
}
