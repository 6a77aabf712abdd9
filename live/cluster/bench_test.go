package cluster

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkLiveKV puts 1 and 8 closed-loop clients (a third each of Get,
// Put and Append on 16 keys) on three kv servers on loopback in this
// process, for 3 s per iteration, and reports what the comparison with
// the simulator in docs/live.md needs: answered operations per second,
// latency percentiles, Raft messages per committed entry, entries per
// AppendEntries, and the leader's mean wall time per handler call (the
// figure the simulator's CPU model is calibrated with).
//
//	go test -run xxx -bench LiveKV -benchtime 1x ./live/cluster
func BenchmarkLiveKV(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m := measureLive(b, clients, 3*time.Second)
				for unit, v := range m { //simlab:unordered each metric is reported on its own
					b.ReportMetric(v, unit)
				}
			}
		})
	}
}

func measureLive(b *testing.B, clients int, d time.Duration) map[string]float64 {
	b.Helper()
	cfg := testConfig(b, 3)
	lc := startLocal(b, cfg)
	defer lc.stopAll() // not only at the end of the benchmark: idle servers would cost the next run
	servers := lc.servers
	waitLeader(b, servers)
	before := make([]Status, len(servers))
	for i, s := range servers {
		before[i] = s.Status()
	}
	res, err := RunWorkload(cfg, Workload{Clients: clients, Keys: 16, Duration: d})
	if err != nil {
		b.Fatal(err)
	}
	var msgs, aes, entries int
	var committed int
	var busy, handled int64
	for i, s := range servers {
		st := s.Status()
		msgs += st.RaftMessages - before[i].RaftMessages
		aes += st.AppendEntries - before[i].AppendEntries
		entries += st.Entries - before[i].Entries
		committed = max(committed, st.CommitIndex-before[i].CommitIndex)
		busy += st.BusyMicros - before[i].BusyMicros
		handled += st.Handled - before[i].Handled
	}
	return map[string]float64{
		"ops/s":           res.Throughput(),
		"p50-µs":          float64(res.Percentile(0.5).Microseconds()),
		"p99-µs":          float64(res.Percentile(0.99).Microseconds()),
		"raft-msgs/entry": float64(msgs) / float64(max(committed, 1)),
		"entries/append":  float64(entries) / float64(max(aes, 1)),
		"µs/handler-call": float64(busy) / float64(max(handled, 1)),
	}
}
