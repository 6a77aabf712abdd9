package etcdraft

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	"github.com/simlab-go/simlab/scenarios"
)

// BenchmarkRafts runs the same generic scenarios on simlab's Raft (raft/)
// and on etcd's (etcdraft/), one seed per iteration, and reports seeds/s,
// events/s and virtual seconds per wall second. "catalogue" is every
// generic scenario once per iteration.
//
//	go test -run xxx -bench Rafts -benchtime 20x
func BenchmarkRafts(b *testing.B) {
	for _, suffix := range []string{"catalogue", "figure8", "churn", "snapshot-install", "crash-mid", "swarm"} {
		for _, impl := range []raftcat.Impl{raftcat.Simlab, Etcd} {
			b.Run(suffix+"/"+impl.Name, func(b *testing.B) {
				names := []string{impl.Name + "/" + suffix}
				if suffix == "catalogue" {
					names = nil
					for _, n := range raftcat.Names() {
						names = append(names, impl.Name+"/"+n)
					}
				}
				var events int64
				var virtual time.Duration
				for i := 0; i < b.N; i++ {
					for _, name := range names {
						out, err := scenarios.Run(name, uint64(i+1), scenarios.Options{TraceTail: -1})
						if err != nil || !out.Passed {
							b.Fatalf("%s seed %d: %v %v", name, i+1, err, out.Failures)
						}
						events += out.Events
						virtual += out.VirtualTime
					}
				}
				wall := b.Elapsed().Seconds()
				b.ReportMetric(float64(b.N*len(names))/wall, "seeds/s")
				b.ReportMetric(float64(events)/wall, "events/s")
				b.ReportMetric(virtual.Seconds()/wall, "virtual-s/wall-s")
				b.ReportMetric(float64(events)/float64(b.N*len(names)), "events/seed")
			})
		}
	}
}
