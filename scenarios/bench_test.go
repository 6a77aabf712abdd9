package scenarios

import (
	"testing"
	"time"
)

// BenchmarkScenario runs whole scenarios, one seed per iteration, and
// reports seeds/s and how much faster than real time the runs go
// (virtual-s/wall-s).
func BenchmarkScenario(b *testing.B) {
	for _, s := range All() {
		b.Run(s.Name, func(b *testing.B) {
			var virtual time.Duration
			var events int64
			for i := 0; i < b.N; i++ {
				out, err := Run(s.Name, uint64(i+1), Options{TraceTail: -1})
				if err != nil {
					b.Fatal(err)
				}
				if !out.Passed {
					b.Fatalf("seed %d failed: %v", i+1, out.Failures)
				}
				virtual += out.VirtualTime
				events += out.Events
			}
			wall := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/wall, "seeds/s")
			b.ReportMetric(virtual.Seconds()/wall, "virtual-s/wall-s")
			b.ReportMetric(float64(events)/wall, "events/s")
		})
	}
}
