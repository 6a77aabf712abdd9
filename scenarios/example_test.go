package scenarios_test

import (
	"fmt"

	_ "github.com/simlab-go/simlab/catalogue/registercat" // the scenario the examples replay
	"github.com/simlab-go/simlab/scenarios"
)

// ExampleRun replays one seed of a scenario with a fault schedule of our
// own instead of the one the scenario would draw.
func ExampleRun() {
	out, err := scenarios.Run("register/basic", 7, scenarios.Options{
		Faults: "500ms crash s0; 1s restart s0",
	})
	if err != nil {
		fmt.Println("bad input:", err)
		return
	}
	fmt.Println("passed:", out.Passed)
	fmt.Println("faults:", out.Faults)
	fmt.Println("crashes:", out.Stats.Crashes, "restarts:", out.Stats.Restarts)
	fmt.Println(out.Replay)
	// Output:
	// passed: true
	// faults: 500ms crash s0; 1s restart s0
	// crashes: 1 restarts: 1
	// go run ./cmd/simrun -scenario register/basic -seed 7 -faults '500ms crash s0; 1s restart s0'
}

// ExampleParseSchedule shows a fault schedule's text form, which parses
// back to the same actions.
func ExampleParseSchedule() {
	s, err := scenarios.ParseSchedule(`
		0s    loss 0.05
		1.5s  partition s0,s1|s2,s3,s4   # leader in the minority, perhaps
		2s    crash-mid s2
		3s    calm`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range s {
		fmt.Printf("at %v: %s %v\n", a.At, a.Op, a.Args)
	}
	fmt.Println(s)
	// Output:
	// at 0s: loss [0.05]
	// at 1.5s: partition [s0,s1|s2,s3,s4]
	// at 2s: crash-mid [s2]
	// at 3s: calm []
	// 0s loss 0.05; 1.5s partition s0,s1|s2,s3,s4; 2s crash-mid s2; 3s calm
}
