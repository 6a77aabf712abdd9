package faults_test

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// A schedule's text form parses, checks and prints back; each action can
// say which nodes it names and how it shrinks.
func ExampleParse() {
	s, err := faults.Parse("0s loss 0.2; 1s partition s0,s1|s2; 1.5s crash-mid s1; 2s restart s1; 3s calm")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	fmt.Println(s[1].Nodes())
	fmt.Println(faults.Schedule(s[0].Simpler()))
	fmt.Println(faults.Schedule(s[2].Simpler()))
	_, err = faults.Parse("1s restart s1")
	fmt.Println(err == nil)
	fmt.Println(faults.Schedule{{At: time.Second, Op: "restart", Args: []string{"s1"}}}.CheckSequence(func(string) bool { return false }))
	// Output:
	// 0s loss 0.2; 1s partition s0,s1|s2; 1.5s crash-mid s1; 2s restart s1; 3s calm
	// [s0 s1 s2]
	// 0s loss 0.1
	// 1.5s crash s1
	// true
	// fault action "1s restart s1": s1 is not down at that point of the schedule; a restart follows a crash or crash-mid of the same node
}

// A schedule applied to a World by hand: the actions take place at their
// times, before the other events of the instant.
func ExampleSchedule_Apply() {
	w := sim.New(1, sim.Config{})
	for _, name := range []string{"s0", "s1", "s2"} {
		w.AddNode(name, func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
	}
	s, _ := faults.Parse("1s crash s1; 2s restart s1")
	if err := s.Apply(w); err != nil {
		fmt.Println(err)
		return
	}
	s1, _ := w.Lookup("s1")
	w.RunFor(1500 * time.Millisecond)
	fmt.Println("at 1.5s s1 is up:", w.Up(s1))
	w.RunFor(time.Second)
	fmt.Println("at 2.5s s1 is up:", w.Up(s1))
	// Output:
	// at 1.5s s1 is up: false
	// at 2.5s s1 is up: true
}
