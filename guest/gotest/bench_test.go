package gotest_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest/gotest"
)

// BenchmarkLabFixture runs each test of the lab-like fixture as a guest
// and natively, and reports how fast virtual time goes against wall time
// (virtual-s/wall-s), the test's virtual time against its native wall time
// (virtual/native: the clock's calibration, seen on a whole test), and the
// native wall time beside it. TestInitialElection, TestReElection and
// TestUnreliableAgreement mostly wait; TestBusyClerks's clerks retry
// without pausing while there is no leader, so its leaderless stretches are
// all work; it runs again at a work cost of 10 µs per 1,000 units, a CPU
// five times slower than the default's.
func BenchmarkLabFixture(b *testing.B) {
	ctx := context.Background()
	const dir = "../testdata/labfixture"
	native := filepath.Join(b.TempDir(), "labfixture.test")
	build := exec.Command("go", "test", "-c", "-o", native, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building natively: %v\n%s", err, out)
	}
	bin, err := gotest.Build(ctx, dir, "")
	if err != nil {
		b.Fatal(err)
	}
	s, err := gotest.Open(ctx, bin.Path, bin.Dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	for _, tc := range []struct {
		test     string
		workCost time.Duration
	}{
		{"TestInitialElection", 0}, {"TestReElection", 0}, {"TestUnreliableAgreement", 0},
		{"TestBusyClerks", 0}, {"TestBusyClerks", 10 * time.Microsecond},
	} {
		test, name := tc.test, tc.test
		if tc.workCost > 0 {
			name += "/work-cost=" + tc.workCost.String()
		}
		b.Run(name, func(b *testing.B) {
			var virtual, wall, nativeWall time.Duration
			for i := 0; i < b.N; i++ {
				// Seeds past 1,000, where the planted bug does not show.
				seed := uint64(1000 + i)
				o, err := s.Run(ctx, test, seed, gotest.RunOptions{WorkCost: tc.workCost})
				if err != nil {
					b.Fatal(err)
				}
				if !o.Passed() {
					continue // the planted bug: a failure ends the run early
				}
				virtual += o.Virtual
				wall += o.Wall
				t0 := time.Now()
				if out, err := exec.Command(native, "-test.run=^"+test+"$", "-test.count=1").CombinedOutput(); err != nil {
					b.Logf("native run failed (the planted bug, natively): %v\n%s", err, out)
				}
				nativeWall += time.Since(t0)
			}
			if wall == 0 {
				b.Skip("every seed failed")
			}
			b.ReportMetric(virtual.Seconds()/wall.Seconds(), "virtual-s/wall-s")
			b.ReportMetric(virtual.Seconds()/nativeWall.Seconds(), "virtual/native")
			b.ReportMetric(nativeWall.Seconds()/float64(b.N), "native-s/op")
		})
	}
}
