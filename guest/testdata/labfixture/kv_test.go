package labfixture

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestBusyClerks runs clerks that Append and Get without pause while the
// leader is cut off, and while no two servers can talk at all. In those
// leaderless stretches every clerk spins from server to server without
// sleeping, so the test's wall time depends on how the runner accounts for
// work done while nothing sleeps.
func TestBusyClerks(t *testing.T) {
	const servers = 3
	const nclerks = 4
	cfg := makeConfig(t, servers, false, true)
	defer cfg.cleanup()
	cfg.begin("Test: busy clerks through leaderless stretches")

	var stop atomic.Bool
	type result struct {
		ops int
		err error
	}
	results := make(chan result, nclerks)
	for c := 0; c < nclerks; c++ {
		ck := cfg.makeClerk()
		go func() {
			key := fmt.Sprintf("key-%d", c)
			want := ""
			ck.Put(key, want)
			ops := 0
			for !stop.Load() {
				v := fmt.Sprintf("[%d.%d]", c, ops)
				ck.Append(key, v)
				want += v
				ops++
				if got := ck.Get(key); got != want {
					results <- result{ops, fmt.Errorf("clerk %d: Get(%q) after %d appends = %q, want %q", c, key, ops, got, want)}
					return
				}
			}
			results <- result{ops, nil}
		}()
	}

	// The leader goes away; the clerks spin until the others elect a new one.
	time.Sleep(500 * time.Millisecond)
	leader := cfg.checkOneLeader()
	cfg.disconnect(leader)
	time.Sleep(800 * time.Millisecond)
	cfg.connect(leader)
	time.Sleep(500 * time.Millisecond)
	cfg.checkTimeout()

	// No two servers can talk: once the leader notices that it has lost
	// its majority and steps down there is no leader at all, and the clerks
	// spin until the servers are healed and elect one.
	cfg.isolateAll()
	time.Sleep(1000 * time.Millisecond)
	cfg.heal()
	time.Sleep(800 * time.Millisecond)
	stop.Store(true)

	total := 0
	for c := 0; c < nclerks; c++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.ops < 3 {
			t.Fatalf("a clerk completed only %d operations", r.ops)
		}
		total += r.ops
	}
	cfg.checkTimeout()
	t.Logf("%d appends by %d clerks", total, nclerks)
	cfg.end()
}
