package shardkvcat

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// throughputKeys are 4 keys for each of nShards shards (first bytes '0',
// '1', … cover every residue): a uniform load spreads evenly over the
// shards.
func throughputKeys(nShards int) []string {
	var out []string
	for s := 0; s < nShards; s++ {
		for j := 0; j < 4; j++ {
			out = append(out, fmt.Sprintf("%c%d", rune(48+s), j))
		}
	}
	return out
}

// measureThroughput runs groups groups of 12 shards under the CPU model
// (every handler call costs 1 ms of its node's CPU) with clients
// issuing operations back to back (waiting up to 1 s for an answer before
// trying another server, so that queueing at a saturated leader does not
// turn into retries), and returns the operations completed
// per virtual second over 2 s once every group serves.
func measureThroughput(tb testing.TB, groups, clients int, seed uint64) (opsPerSecond float64, events int64) {
	const nShards, window = 12, 2 * time.Second
	s := scenarios.Scenario{Name: "shardkv/throughput", Run: func(c *scenarios.Case) {
		kc := newSKVCluster(c, skvOptions{groups: groups, cpu: time.Millisecond, nShards: nShards, clerkRetry: time.Second})
		gids := make([]int, groups)
		for i := range gids {
			gids[i] = i + 1
		}
		kc.join(gids...)
		kc.Run(time.Second) // every group adopts the configuration
		cls := kc.addClients(clients, &skvWorkload{keys: throughputKeys(nShards)})
		kc.startLoad(cls)
		kc.Run(500 * time.Millisecond) // warm up
		from := kc.w.Now()
		kc.Run(window)
		done := 0
		for _, op := range kc.nodes.History.Ops() {
			if op.Done && op.Return > from && op.Return <= from+window {
				done++
			}
		}
		opsPerSecond = float64(done) / window.Seconds()
		events = kc.w.Events()
		kc.nodes.Stopping = true
	}}
	out, err := scenarios.RunScenario(s, seed, scenarios.Options{TraceTail: -1})
	if err != nil || !out.Passed {
		tb.Fatalf("%v %+v", err, out.Failures)
	}
	return opsPerSecond, events
}

// BenchmarkShardThroughput is the reason to shard: operations per virtual
// second with 1, 2 and 4 groups of 3 servers, each server's CPU the limit,
// and 256 clients per group: enough to saturate a group's leader, which
// handles more operations per AppendEntries round the busier it is, and
// not so many that its queue outlasts the clients' patience.
func BenchmarkShardThroughput(b *testing.B) {
	for _, groups := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			var ops float64
			var events int64
			for i := 0; i < b.N; i++ {
				o, e := measureThroughput(b, groups, 256*groups, uint64(i+1))
				ops += o
				events += e
			}
			b.ReportMetric(ops/float64(b.N), "ops/virtual-s")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkShardScale runs the store with 1, 10 and 100 groups of 3
// servers (3, 30 and 300 group servers, and the controller's 3), as many
// shards as groups and 10 clients, for 3 virtual seconds after every group
// joined, and reports the engine's events/s and seeds/s.
func BenchmarkShardScale(b *testing.B) {
	for _, groups := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("servers=%d", 3*groups), func(b *testing.B) {
			var events int64
			s := scenarios.Scenario{Name: "shardkv/scale", Run: func(c *scenarios.Case) {
				kc := newSKVCluster(c, skvOptions{groups: groups, nShards: max(10, groups)})
				gids := make([]int, groups)
				for i := range gids {
					gids[i] = i + 1
				}
				kc.join(gids...)
				cls := kc.addClients(10, &skvWorkload{keys: keys(100), thinkMax: 20 * time.Millisecond})
				kc.startLoad(cls)
				kc.Run(3 * time.Second)
				kc.finish(10 * time.Second)
				events += kc.w.Events()
			}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := scenarios.RunScenario(s, uint64(i+1), scenarios.Options{TraceTail: -1})
				if err != nil || !out.Passed {
					b.Fatalf("%v %+v", err, out.Failures)
				}
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/seed")
		})
	}
}

// TestShardingScalesThroughput holds the store to its reason for being:
// in virtual time (so the figure is exact for a seed, not a timing), 4
// groups serve at least 3.2 times the operations per second of 1.
func TestShardingScalesThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 5,000 clients' worth of operations")
	}
	one, _ := measureThroughput(t, 1, 256, 1)
	four, _ := measureThroughput(t, 4, 1024, 1)
	t.Logf("1 group: %.0f ops/virtual-s; 4 groups: %.0f (%.2f×)", one, four, four/one)
	if four < 3.2*one {
		t.Errorf("4 groups serve %.0f ops per virtual second, 1 group %.0f: %.2f×, want at least 3.2×", four, one, four/one)
	}
}
