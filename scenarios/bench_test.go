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

// BenchmarkRaftCatalogue runs every raft/ scenario once (one seed each) per
// iteration and reports the catalogue's wall time and how much virtual
// time it covers per second of wall time.
func BenchmarkRaftCatalogue(b *testing.B) {
	list, err := Match("raft/*")
	if err != nil {
		b.Fatal(err)
	}
	var virtual time.Duration
	for i := 0; i < b.N; i++ {
		for _, s := range list {
			out, err := Run(s.Name, uint64(i+1), Options{TraceTail: -1})
			if err != nil || !out.Passed {
				b.Fatalf("%s seed %d: %v %v", s.Name, i+1, err, out.Failures)
			}
			virtual += out.VirtualTime
		}
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(wall/float64(b.N), "wall-s/catalogue")
	b.ReportMetric(virtual.Seconds()/float64(b.N), "virtual-s/catalogue")
	b.ReportMetric(virtual.Seconds()/wall, "virtual-s/wall-s")
}
