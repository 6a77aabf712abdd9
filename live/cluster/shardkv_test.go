package cluster

import (
	"fmt"
	"testing"
	"time"
)

// TestShardKVClusterInOneProcess runs the sharded store live: a
// controller of three servers and two groups of three on loopback, the
// groups joined through the client, clients under a crash and restart of
// a group's leader, the history checked by porcupine.
func TestShardKVClusterInOneProcess(t *testing.T) {
	cfg, err := ParseConfig(Example("shardkv", 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range freePorts(t, len(cfg.Nodes)) {
		cfg.Nodes[i].Addr = fmt.Sprintf("127.0.0.1:%d", p)
	}
	lc := startLocal(t, cfg)
	cl, err := NewClient(cfg, ClientOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	latest, added, err := cl.Join(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || len(latest.GIDs()) != 2 {
		t.Fatalf("join added %v; configuration %+v", added, latest)
	}
	if _, again, err := cl.Join(10 * time.Second); err != nil || len(again) != 0 {
		t.Fatalf("a second join added %v (%v); want nothing", again, err)
	}

	done := make(chan WorkloadResult)
	go func() {
		res, err := RunWorkload(cfg, Workload{Clients: 4, Keys: 8, Duration: 4 * time.Second, OpTimeout: 3 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	time.Sleep(1500 * time.Millisecond)
	l := waitLeader(t, lc.servers[3:6]) // a0..a2: gid 100
	lc.stop(int(l))
	time.Sleep(700 * time.Millisecond)
	lc.start(int(l))
	res := <-done
	t.Logf("%d operations answered, %d unknown, %.0f ops/s, p50 %v, p99 %v", res.Ops, res.Unknown, res.Throughput(), res.Percentile(0.5), res.Percentile(0.99))
	if res.Ops < 50 {
		t.Fatalf("only %d operations were answered", res.Ops)
	}
	checkHistory(t, res)
	mustCatchATamperedRead(t, res)
}
