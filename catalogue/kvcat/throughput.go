package kvcat

import (
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/systems/raft"
)

func init() {
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/throughput",
		Summary: "3 servers, closed-loop clients (a third each of Get, Put and Append on 16 keys) with the CPU model on: " +
			"reports operations per second, latency percentiles, Raft messages per committed entry and entries per AppendEntries " +
			"(the live runtime's figures, calibrated with -p cpu and -p latency); linearizable",
		Params: []scenarios.Param{
			{Name: "clients", Default: "8", Doc: "closed-loop clients", Min: 1, Max: 200},
			{Name: "keys", Default: "16", Doc: "keys the clients share", Min: 1, Max: 1000},
			{Name: "seconds", Default: "3", Doc: "seconds measured", Min: 1, Max: 3600},
			{Name: "cpu", Default: "300us", Doc: "CPU time of one handler call (the CPU model)"},
			{Name: "latency", Default: "50us", Doc: "mean one-way network delay (uniform within ±20%)"},
		},
		FixedFaults: "it measures a healthy cluster",
		Run:         runKVThroughput,
	})
}

// throughput is what kv/throughput measured.
type throughput struct {
	ops                 int
	opsPerSec           float64
	p50, p90, p99       time.Duration
	msgsPerEntry        float64
	entriesPerAppend    float64
	committed, messages int
}

func runKVThroughput(c *scenarios.Case) {
	cpu, lat := c.DurationParam("cpu"), c.DurationParam("latency")
	if cpu < 0 || lat <= 0 {
		c.BadInput("kv/throughput: -p cpu must not be negative and -p latency must be positive")
	}
	t := measureThroughput(c, c.IntParam("clients"), c.IntParam("keys"), time.Duration(c.IntParam("seconds"))*time.Second, cpu, lat)
	c.Reportf("%d operations in %ds: %.0f ops/s; latency p50 %v, p90 %v, p99 %v", t.ops, c.IntParam("seconds"), t.opsPerSec, t.p50, t.p90, t.p99)
	c.Reportf("%d Raft messages for %d committed entries: %.2f per entry, %.2f entries per AppendEntries", t.messages, t.committed, t.msgsPerEntry, t.entriesPerAppend)
}

// measureThroughput runs kv/throughput's workload and measures it; the
// history is checked at the end.
func measureThroughput(c *scenarios.Case, clients, keys int, d, cpu, lat time.Duration) throughput {
	link := sim.LinkConfig{LatencyMin: lat * 4 / 5, LatencySpread: lat * 2 / 5}
	cfg := sim.Config{Link: &link, CPU: sim.CPUConfig{Enabled: cpu > 0, PerEvent: cpu}}
	// As the live cluster runs it (live/cluster): PreVote, CheckQuorum,
	// snapshots at 1 MiB.
	kc := newKVCluster(c, cfg, 3, 1<<20, func(r *raft.Config) { r.PreVote, r.CheckQuorum = true, true })
	var names []string
	for i := 0; i < keys; i++ {
		names = append(names, fmt.Sprintf("k%d", i))
	}
	cls := kc.addClients(clients, kvWorkload{keys: names}, nil)
	kc.Bind(nil) // the network from the start, so the schedule replays
	kc.waitLeader()
	type sample struct{ messages, appends, entries, commit int }
	snap := func() (s sample) {
		for _, id := range kc.servers {
			srv, ok := kc.server(id)
			if !ok {
				continue
			}
			st := srv.Raft().Stats()
			s.messages += st.MessagesSent
			s.appends += st.AppendEntriesSent
			s.entries += st.EntriesSent
			s.commit = max(s.commit, srv.Raft().Status().CommitIndex)
		}
		return s
	}
	// A second to warm up (clients connect, batches settle), then d.
	kc.Run(time.Second)
	before := snap()
	seen := make([]int, len(cls))
	for i, cl := range cls {
		seen[i] = len(cl.latencies)
	}
	kc.Run(d)
	after := snap()
	var lats []time.Duration
	for i, cl := range cls {
		lats = append(lats, cl.latencies[seen[i]:]...)
	}
	slices.Sort(lats)
	kc.finish(10 * time.Second)
	pct := func(q float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(q*float64(len(lats))))]
	}
	t := throughput{ops: len(lats), opsPerSec: float64(len(lats)) / d.Seconds(), p50: pct(0.5), p90: pct(0.9), p99: pct(0.99),
		committed: after.commit - before.commit, messages: after.messages - before.messages}
	t.msgsPerEntry = float64(t.messages) / float64(max(t.committed, 1))
	t.entriesPerAppend = float64(after.entries-before.entries) / float64(max(after.appends-before.appends, 1))
	return t
}
