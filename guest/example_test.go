package guest_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
)

// Run a test binary's TestTimers (three timers of 100, 200 and 300 ms,
// then a sleep of 10 ms) for seed 1: the clock jumps from timer to timer,
// so 310 ms of the test's time take a few milliseconds.
func Example() {
	ctx := context.Background()
	bin, err := gotest.Build(ctx, "testdata/basics", "") // go test -c for wasip1
	if err != nil {
		panic(err)
	}
	module, err := os.ReadFile(bin.Path)
	if err != nil {
		panic(err)
	}
	p, err := guest.Compile(ctx, module, guest.CompileOptions{})
	if err != nil {
		panic(err)
	}
	defer p.Close(ctx)
	r, err := p.Run(ctx, guest.Config{
		Seed: 1,
		Name: "basics.test",
		Args: []string{"-test.run=^TestTimers$"},
		Dir:  "testdata/basics",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("passed:", r.Passed())
	fmt.Println("virtual time:", r.Virtual.Round(10*time.Millisecond))
	// Output:
	// passed: true
	// virtual time: 310ms
}
