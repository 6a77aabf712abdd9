package raftcat

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "raft/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "raft/*") }

// BenchmarkRaftCatalogue runs every raft/ scenario once (one seed each) per
// iteration and reports the catalogue's wall time and how much virtual
// time it covers per second of wall time.
func BenchmarkRaftCatalogue(b *testing.B) {
	list, err := scenarios.Match("raft/*")
	if err != nil {
		b.Fatal(err)
	}
	var virtual time.Duration
	for i := 0; i < b.N; i++ {
		for _, s := range list {
			out, err := scenarios.Run(s.Name, uint64(i+1), scenarios.Options{TraceTail: -1})
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

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "raft/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "raft/*") }
