package races

import (
	"fmt"
	"sync"
	"testing"
)

// TestLockReleasedEarly: two withdrawals of 60 from a balance of 100. Each
// checks the balance under the lock, releases it, reports to an auditor
// goroutine, and only then takes the lock again to withdraw: the lock is
// released too early. If the first withdrawer has to wait for the auditor,
// the second passes the same check and the balance goes negative.
func TestLockReleasedEarly(t *testing.T) {
	var mu sync.Mutex
	balance := 100
	audit := make(chan string)
	go func() {
		for range audit {
		}
	}()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, n := range []int{60, 60} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			mu.Lock()
			ok := balance >= n
			mu.Unlock()
			audit <- fmt.Sprint("withdraw ", n)
			if ok {
				mu.Lock()
				balance -= n
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if balance < 0 {
		t.Fatalf("balance %d: both withdrawals passed the check", balance)
	}
}

// TestCheckThenAct: three goroutines want the connection to one peer from
// a pool. Each looks it up in one critical section and, missing it, dials
// and stores it in another, telling a metrics goroutine in between. When
// two find it missing before either stores it, the peer is dialed twice.
func TestCheckThenAct(t *testing.T) {
	var mu sync.Mutex
	pool := map[string]int{}
	dials := 0
	metrics := make(chan string)
	go func() {
		for range metrics {
		}
	}()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			mu.Lock()
			_, ok := pool["peer"]
			mu.Unlock()
			if ok {
				return
			}
			metrics <- "dial peer"
			mu.Lock()
			dials++
			pool["peer"] = dials
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if dials != 1 {
		t.Fatalf("the peer was dialed %d times", dials)
	}
}
