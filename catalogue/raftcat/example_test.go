package raftcat_test

import (
	"fmt"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	"github.com/simlab-go/simlab/scenarios"
)

// ExampleScenarios runs one generic scenario against an implementation
// without registering it, as a test of a broken variant would; a catalogue
// for a new Raft is raftcat.Register(impl) in an init function.
func ExampleScenarios() {
	for _, s := range raftcat.Scenarios(raftcat.Simlab) {
		if s.Name != "raft/basic-agree" {
			continue
		}
		out, err := scenarios.RunScenario(s, 1, scenarios.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(s.Name, "passed:", out.Passed)
	}
	// Output:
	// raft/basic-agree passed: true
}
