package guest_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
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

// Run a server and a client, one Go program (testdata/netnode) built for
// wasip1, as two nodes of a World: the client sends three lines over a
// simnet connection, the server journals each on its disk, synced, and
// answers. The World's clock, network and disks are theirs.
func ExampleProgram_Node() {
	ctx := context.Background()
	bin, err := gotest.BuildCommand(ctx, "testdata/netnode", "") // go build for wasip1
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
	w := sim.New(1, sim.Config{})
	defer w.Close()
	w.AddNode("s1", p.Node(guest.NodeConfig{Args: []string{"-role", "server", "-addr", ":7000"}, Net: w}))
	w.AddNode("c1", p.Node(guest.NodeConfig{Args: []string{"-role", "client", "-addr", "s1:7000", "-n", "3"}, Net: w,
		Output: func(_ node.Env, line string) { fmt.Println(line) }}))
	if err := w.RunFor(10 * time.Second); err != nil {
		panic(err)
	}
	fmt.Println("journal:", w.Files(0))
	// Output:
	// reply: ok 1 line 1
	// reply: ok 2 line 2
	// reply: ok 3 line 3
	// done
	// journal: [journal]
}
