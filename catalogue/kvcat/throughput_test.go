package kvcat

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// Calibration of the simulator to the live runtime on this machine. The
// one-way delay is loopback's, measured by BenchmarkTransportRoundTrip in
// live (17 µs, gob and goroutine hand-offs included). One client's median
// latency is four handler calls and four hops, so the live one-client
// median (603 µs, the mean of two runs of BenchmarkLiveKV in live/cluster)
// fixes the CPU time per call: (603 − 4×17) / 4 ≈ 135 µs. The 8-client
// figures are then a prediction to compare with the live ones.
const (
	calibratedCPU     = 274 * time.Microsecond
	calibratedLatency = 17 * time.Microsecond
)

// BenchmarkKVThroughput runs kv/throughput's workload (closed-loop
// clients, a third each of Get, Put and Append on 16 keys, 3 s of virtual
// time) on the calibrated CPU model and reports the figures
// BenchmarkLiveKV reports for the live cluster, in virtual time.
//
//	go test -run xxx -bench KVThroughput -benchtime 1x ./catalogue/kvcat
func BenchmarkKVThroughput(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var t throughput
				s := scenarios.Scenario{Name: "kv/throughput-bench", Histories: true, Run: func(c *scenarios.Case) {
					t = measureThroughput(c, clients, 16, 3*time.Second, calibratedCPU, calibratedLatency)
				}}
				out, err := scenarios.RunScenario(s, uint64(i+1), scenarios.Options{})
				if err != nil || !out.Passed {
					b.Fatalf("%v %+v", err, out.Failures)
				}
				b.ReportMetric(t.opsPerSec, "ops/s")
				b.ReportMetric(float64(t.p50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(t.p99.Microseconds()), "p99-µs")
				b.ReportMetric(t.msgsPerEntry, "raft-msgs/entry")
				b.ReportMetric(t.entriesPerAppend, "entries/append")
			}
		})
	}
}
