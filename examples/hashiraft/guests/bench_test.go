//go:build !wasip1

package guests

import (
	"context"
	"testing"
	"time"

	_ "github.com/simlab-go/simlab/catalogue/kvcat"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/scenarios"
)

// BenchmarkSeedsPerCoreHour compares what a core sweeps in an hour, one
// run at a time, of three ways to test a replicated key/value store on
// Raft under faults:
//
//   - guests: hashiguest/swarm, hashicorp/raft servers as separate guest
//     programs (NetworkTransport, FileStore) on simlab's network;
//   - in-process: TestKVLinearizable of package hashiraft, the same raft in
//     one test binary run as one guest (InmemTransport, InmemStore);
//   - simlab: kv/swarm, simlab's own kv on its own Raft, as event handlers.
//
// It reports seeds/core-hour, and events/s where there is a World.
func BenchmarkSeedsPerCoreHour(b *testing.B) {
	perHour := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Hours(), "seeds/core-hour")
	}
	for _, name := range []string{"hashiguest/swarm", "kv/swarm"} {
		label := map[string]string{"hashiguest/swarm": "guests", "kv/swarm": "simlab"}[name]
		b.Run(label, func(b *testing.B) {
			if label == "guests" {
				if _, err := Program(ServerPackage); err != nil { // built and compiled before the clock runs
					b.Fatal(err)
				}
			}
			var events int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := scenarios.Run(name, uint64(i+1), scenarios.Options{TraceTail: -1})
				if err != nil || !out.Passed {
					b.Fatalf("%s seed %d: %v %v", name, i+1, err, out.Failures)
				}
				events += out.Events
			}
			perHour(b)
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("in-process", func(b *testing.B) {
		ctx := context.Background()
		bin, err := gotest.Build(ctx, "..", "")
		if err != nil {
			b.Fatal(err)
		}
		s, err := gotest.Open(ctx, bin.Path, bin.Dir)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close(ctx)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			o, err := s.Run(ctx, "TestKVLinearizable", uint64(i+1), gotest.RunOptions{Timeout: 10 * time.Minute})
			if err != nil || !o.Passed() {
				b.Fatalf("seed %d: %v %+v", i+1, err, o)
			}
		}
		perHour(b)
	})
}
