package gotest_test

import (
	"context"
	"fmt"

	"github.com/simlab-go/simlab/guest/gotest"
)

// Build a package's tests for wasip1, list them and run one for a seed,
// as simrun -pkg does for each (test, seed) of a sweep.
func Example() {
	ctx := context.Background()
	bin, err := gotest.Build(ctx, "../testdata/basics", "")
	if err != nil {
		panic(err)
	}
	s, err := gotest.Open(ctx, bin.Path, bin.Dir)
	if err != nil {
		panic(err)
	}
	defer s.Close(ctx)
	tests, _ := s.Tests(ctx)
	fmt.Println(tests[:3])
	for seed := uint64(1); seed <= 10; seed++ {
		o, err := s.Run(ctx, "TestPanic", seed, gotest.RunOptions{})
		if err != nil {
			panic(err)
		}
		if !o.Passed() {
			fmt.Printf("seed %d: %s: %s\n", seed, o.Verdict, o.Message)
			break
		}
	}
	// Output:
	// [TestSleepy TestTimers TestBusy]
	// seed 2: panic: assignment to entry in nil map
}
