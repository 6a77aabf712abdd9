package guest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
)

var elapsedLine = regexp.MustCompile(`elapsed (\d+) ns`)

func elapsedOf(b *testing.B, out []byte) time.Duration {
	m := elapsedLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("no elapsed line in %s", out)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return time.Duration(n)
}

// BenchmarkWorkCost calibrates DefaultWorkCost. It runs the calib
// workload (testdata/calib: requests answered by goroutines over channels,
// a mutex around a map, gob, formatting, sorting) natively, as go test runs
// it (GOMAXPROCS = the machine's cores) and on one core, and as a guest,
// each timing itself with time.Since. It reports what a unit of the guest's
// work costs natively (native-ns/unit, and on one core), how the guest's
// virtual time compares with the native time under the default cost
// (virtual/native, 1 when calibrated), and how much slower the guest runs
// in wall time than the native binary does on one core (wall/native).
func BenchmarkWorkCost(b *testing.B) {
	ctx := context.Background()
	native := filepath.Join(b.TempDir(), "calib.test")
	build := exec.Command("go", "test", "-c", "-o", native, ".")
	build.Dir = "testdata/calib"
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building calib natively: %v\n%s", err, out)
	}
	bin, err := gotest.Build(ctx, "testdata/calib", "")
	if err != nil {
		b.Fatal(err)
	}
	s, err := gotest.Open(ctx, bin.Path, bin.Dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	runNative := func(env ...string) time.Duration {
		cmd := exec.Command(native, "-test.run=^TestWorkload$", "-test.count=1")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("native run: %v\n%s", err, out)
		}
		return elapsedOf(b, out)
	}
	var nativeSum, oneCoreSum, virtualSum, wallSum time.Duration
	var work uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nativeSum += runNative()
		oneCoreSum += runNative("GOMAXPROCS=1")
		o, err := s.Run(ctx, "TestWorkload", uint64(i+1), gotest.RunOptions{})
		if err != nil || !o.Passed() {
			b.Fatalf("guest run: %v %+v", err, o)
		}
		virtualSum += elapsedOf(b, o.Output)
		wallSum += o.Wall
		work += o.Work
	}
	b.ReportMetric(float64(nativeSum.Nanoseconds())/float64(work), "native-ns/unit")
	b.ReportMetric(float64(oneCoreSum.Nanoseconds())/float64(work), "one-core-ns/unit")
	b.ReportMetric(float64(virtualSum)/float64(nativeSum), "virtual/native")
	b.ReportMetric(float64(wallSum)/float64(oneCoreSum), "wall/native")
}

// BenchmarkSeedOverhead measures what a seed costs beyond the guest's own
// work when the compiled module is reused, as a sweep's worker does:
// instantiating the module, its memory and its file system, and the Go
// runtime's start-up, for a test that does next to nothing.
func BenchmarkSeedOverhead(b *testing.B) {
	ctx := context.Background()
	bin, err := gotest.Build(ctx, "testdata/basics", "")
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	s, err := gotest.Open(ctx, bin.Path, bin.Dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	open := time.Since(t0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// TestTimers waits 310ms of virtual time and does almost nothing.
		o, err := s.Run(ctx, "TestTimers", uint64(i+1), gotest.RunOptions{})
		if err != nil || !o.Passed() {
			b.Fatalf("%v %+v", err, o)
		}
	}
	b.ReportMetric(float64(open.Milliseconds()), "ms-to-open")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/seed")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
}

// BenchmarkMeter measures what counting work costs: the calib workload's
// wall time metered and unmetered.
func BenchmarkMeter(b *testing.B) {
	ctx := context.Background()
	bin, err := gotest.Build(ctx, "testdata/calib", "")
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(bin.Path)
	if err != nil {
		b.Fatal(err)
	}
	var walls [2]time.Duration
	for k, unmetered := range []bool{false, true} {
		p, err := guest.Compile(ctx, raw, guest.CompileOptions{Unmetered: unmetered})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			var out bytes.Buffer
			r, err := p.Run(ctx, guest.Config{Seed: 1, Name: "pkg.test", Args: gotest.Args("TestWorkload", 0), Stdout: &out})
			if err != nil || !r.Passed() {
				b.Fatalf("%v %+v %s", err, r, out.String())
			}
			walls[k] += r.Wall
		}
		p.Close(ctx)
	}
	b.ReportMetric(float64(walls[0])/float64(walls[1]), "metered/unmetered")
	fmt.Fprintf(os.Stderr, "metered %v, unmetered %v per run\n", walls[0]/time.Duration(b.N), walls[1]/time.Duration(b.N))
}
