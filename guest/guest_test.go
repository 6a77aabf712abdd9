package guest_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
)

// The basics fixture's test binary, built once for the package's tests.
var (
	basicsOnce sync.Once
	basicsBin  []byte
	basicsErr  error
)

func basics(t testing.TB) []byte {
	t.Helper()
	basicsOnce.Do(func() {
		var b *gotest.Binary
		if b, basicsErr = gotest.Build(context.Background(), "testdata/basics", ""); basicsErr == nil {
			basicsBin, basicsErr = os.ReadFile(b.Path)
		}
	})
	if basicsErr != nil {
		t.Fatal(basicsErr)
	}
	return basicsBin
}

func compileBasics(t testing.TB, o guest.CompileOptions) *guest.Program {
	t.Helper()
	p, err := guest.Compile(context.Background(), basics(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// run runs one test of the fixture.
func run(t *testing.T, p *guest.Program, test string, seed uint64, cfg guest.Config) (*guest.Result, string) {
	t.Helper()
	var out bytes.Buffer
	cfg.Seed = seed
	cfg.Name = "pkg.test"
	cfg.Args = gotest.Args(test, time.Minute)
	cfg.Dir = "testdata/basics"
	cfg.Stdout, cfg.Stderr = &out, &out
	if cfg.WallLimit == 0 {
		cfg.WallLimit = time.Minute
	}
	r, err := p.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, out.String()
}

func TestSameSeedSameRun(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	for _, test := range []string{"TestSleepy", "TestTimers", "TestBusy", "TestFiles"} {
		a, outA := run(t, p, test, 7, guest.Config{})
		b, outB := run(t, p, test, 7, guest.Config{})
		c, _ := run(t, p, test, 8, guest.Config{})
		if !a.Passed() {
			t.Fatalf("%s failed: %+v\n%s", test, a, outA)
		}
		if a.Fingerprint != b.Fingerprint || outA != outB || a.Virtual != b.Virtual || a.Work != b.Work {
			t.Errorf("%s: two runs of seed 7 differ: %016x %v %d and %016x %v %d\n%s\n%s", test,
				a.Fingerprint, a.Virtual, a.Work, b.Fingerprint, b.Virtual, b.Work, outA, outB)
		}
		if a.Fingerprint == c.Fingerprint {
			t.Errorf("%s: seeds 7 and 8 gave the same fingerprint %016x", test, a.Fingerprint)
		}
	}
}

func TestSleepsJumpTimerToTimer(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	r, out := run(t, p, "TestSleepy", 1, guest.Config{})
	if !r.Passed() {
		t.Fatalf("failed: %+v\n%s", r, out)
	}
	// Thirty sleeps of 100 ms with a little work between them.
	if r.Idle < 2900*time.Millisecond || r.Idle > 3*time.Second || r.Virtual-r.Idle > 50*time.Millisecond {
		t.Errorf("virtual %v of which %v waiting: want about 3s of waits and a few ms of work", r.Virtual, r.Idle)
	}
	if r.Yields != 0 {
		t.Errorf("%d sched_yields: signal.Notify's goroutine spins, so the runtime patch did not take", r.Yields)
	}
	if r.Sleeps < 30 {
		t.Errorf("%d waits, want one per sleep at least", r.Sleeps)
	}
	if r.Wall > 2*time.Second {
		t.Errorf("3 s of sleeping took %v of wall time", r.Wall)
	}
}

func TestWorkMovesTheClock(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	r, out := run(t, p, "TestBusy", 1, guest.Config{})
	if !r.Passed() {
		t.Fatalf("a loop waiting for time.Since to pass 20ms without sleeping did not end: %+v\n%s", r, out)
	}
	if r.Virtual-r.Idle < 20*time.Millisecond {
		t.Errorf("%v of work, want at least the 20ms the loop waited for", r.Virtual-r.Idle)
	}
	// Work is charged at WorkCost per 1,000 units.
	slow, _ := run(t, p, "TestBusy", 1, guest.Config{WorkCost: 20 * time.Microsecond})
	if slow.Work*5 > r.Work {
		t.Errorf("ten times the cost per unit should take about a tenth of the work to reach 20ms: %d units, then %d", r.Work, slow.Work)
	}
}

func TestFilesAreTheRunsOwn(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	r, out := run(t, p, "TestFiles", 1, guest.Config{})
	if !r.Passed() {
		t.Fatalf("failed: %+v\n%s", r, out)
	}
	if _, err := os.Stat("testdata/basics/testdata/nope"); err == nil {
		t.Errorf("the guest wrote into the package directory")
	}
}

func TestVirtualLimitStopsAWait(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	r, _ := run(t, p, "TestSleepy", 1, guest.Config{VirtualLimit: time.Second})
	if r.Stop != guest.StopVirtualLimit || r.Passed() {
		t.Fatalf("stop %q (%s), want %q", r.Stop, r.Message, guest.StopVirtualLimit)
	}
	if r.Virtual != time.Second {
		t.Errorf("stopped at %v, want at the limit, 1s", r.Virtual)
	}
	if !strings.Contains(r.Stack, "poll_oneoff") || !strings.Contains(r.Stack, "time.Sleep") {
		t.Errorf("the stack does not show the wait:\n%s", r.Stack)
	}
}

// spinSeed is a seed at which TestSpin loops for ever.
func spinSeed(t *testing.T, p *guest.Program) uint64 {
	for seed := uint64(1); seed <= 40; seed++ {
		r, _ := run(t, p, "TestSpin", seed, guest.Config{VirtualLimit: 50 * time.Millisecond})
		if r.Stop == guest.StopVirtualLimit {
			return seed
		}
	}
	t.Fatal("TestSpin spun at none of seeds 1-40")
	return 0
}

func TestALoopThatNeverWaitsIsStoppedWithItsStack(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	seed := spinSeed(t, p)
	r, _ := run(t, p, "TestSpin", seed, guest.Config{WallLimit: 300 * time.Millisecond})
	if r.Stop != guest.StopWallLimit {
		t.Fatalf("stop %q (%s), want %q", r.Stop, r.Message, guest.StopWallLimit)
	}
	if first, _, _ := strings.Cut(r.Stack, "\n"); !strings.Contains(first, "basics.TestSpin") {
		t.Errorf("the stack does not start in the loop:\n%s", r.Stack)
	}
	// The same loop under a virtual limit stops at the same place each time.
	a, _ := run(t, p, "TestSpin", seed, guest.Config{VirtualLimit: 100 * time.Millisecond})
	b, _ := run(t, p, "TestSpin", seed, guest.Config{VirtualLimit: 100 * time.Millisecond})
	if a.Stop != guest.StopVirtualLimit || a.Work != b.Work || a.Fingerprint != b.Fingerprint {
		t.Errorf("two runs stopped by the virtual limit differ: %+v and %+v", a, b)
	}
}

func TestCanceledRunStops(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	seed := spinSeed(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r, err := p.Run(ctx, guest.Config{Seed: seed, Name: "pkg.test", Args: gotest.Args("TestSpin", time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stop != guest.StopCanceled {
		t.Fatalf("stop %q (%s), want %q", r.Stop, r.Message, guest.StopCanceled)
	}
}

func TestTraceIsTheFingerprintsLog(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	var recs []guest.Record
	r, _ := run(t, p, "TestTimers", 3, guest.Config{Trace: func(rec guest.Record) { recs = append(recs, rec) }})
	plain, _ := run(t, p, "TestTimers", 3, guest.Config{})
	if r.Fingerprint != plain.Fingerprint {
		t.Fatalf("tracing changed the run: %016x and %016x", r.Fingerprint, plain.Fingerprint)
	}
	if int64(len(recs)) != r.HostCalls || recs[len(recs)-1].Fingerprint != r.Fingerprint {
		t.Fatalf("%d records for %d host calls; last fingerprint %016x, the run's %016x", len(recs), r.HostCalls, recs[len(recs)-1].Fingerprint, r.Fingerprint)
	}
	kinds := map[guest.Kind]int{}
	for i, rec := range recs {
		kinds[rec.Kind]++
		if rec.Seq != int64(i+1) || i > 0 && rec.Time < recs[i-1].Time {
			t.Fatalf("record %d out of order: %v after %v", i, rec, recs[max(i-1, 0)])
		}
	}
	for _, k := range []guest.Kind{guest.KindClock, guest.KindSleep, guest.KindRandom, guest.KindWrite} {
		if kinds[k] == 0 {
			t.Errorf("no %v record in %v", k, kinds)
		}
	}
}

func TestUnmeteredWorkCostsNothing(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{Unmetered: true})
	if m, _ := p.Metered(); m {
		t.Fatal("an unmetered program says it is metered")
	}
	r, out := run(t, p, "TestSleepy", 1, guest.Config{})
	if !r.Passed() || r.Work != 0 || r.Virtual != r.Idle {
		t.Fatalf("%+v\n%s", r, out)
	}
}

func TestBadModules(t *testing.T) {
	for _, tt := range []struct {
		name string
		bin  []byte
		want string
	}{
		{"not wasm", []byte("#!/bin/sh\necho hi\n"), "not a WebAssembly module"},
		{"truncated", append([]byte("\x00asm\x01\x00\x00\x00\x01\x10"), 0x60), "malformed module"},
		{"no _start", []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b"), "exports no _start"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := guest.Compile(context.Background(), tt.bin, guest.CompileOptions{CacheDir: "off"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
