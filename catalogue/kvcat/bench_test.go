package kvcat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
)

// BenchmarkKVOnPaxosAndRaft runs the same workload (kv/concurrent: 5
// servers, 5 clients on 5 shared keys, 3 s) on each consensus log, one
// seed per iteration, and reports client operations per virtual second and
// the messages the servers send per operation (agreement, and the replies).
func BenchmarkKVOnPaxosAndRaft(b *testing.B) {
	for _, log := range []string{"raft", "paxos"} {
		b.Run(log, func(b *testing.B) {
			var ops, msgs int64
			var virtual float64
			for i := 0; i < b.N; i++ {
				out, err := scenarios.Run("kv/concurrent", uint64(i+1), scenarios.Options{Params: map[string]string{"log": log}, TraceTail: -1})
				if err != nil || !out.Passed {
					b.Fatalf("seed %d on %s: %v %v", i+1, log, err, out.Failures)
				}
				ops += int64(out.Operations)
				virtual += out.VirtualTime.Seconds()
				for _, n := range out.Nodes {
					if strings.HasPrefix(n.Name, "s") {
						msgs += n.Sent
					}
				}
			}
			b.ReportMetric(float64(ops)/virtual, "ops/virtual-s")
			b.ReportMetric(float64(msgs)/float64(ops), "server-msgs/op")
		})
	}
}
