// Package violations is a fixture for the detrules tests: every construct
// marked "want" below breaks a determinism rule, and the test expects
// exactly those lines to be reported. Keep the line numbers in step with
// the test table.
package violations

import (
	"maps"
	"math/rand" // want import
	"sync"      // want import
	"time"
)

type counters map[string]int

var mu sync.Mutex

func goroutine() {
	go func() {}() // want go
}

func channels() int {
	ch := make(chan int, 1) // want channel
	ch <- 1                 // want channel
	v := <-ch               // want channel
	select {                // want channel
	default:
	}
	return v
}

func realTime() time.Duration {
	start := time.Now()             // want realtime
	time.Sleep(time.Millisecond)    // want realtime
	t := time.NewTimer(time.Second) // want realtime
	defer t.Stop()
	return time.Since(start) + time.Duration(rand.Intn(3)) // want realtime
}

func mapRanges(m map[string]int, c counters) int {
	n := 0
	for k := range m { // want maprange
		n += len(k)
	}
	for _, v := range c { // want maprange (named map type)
		n += v
	}
	for k := range maps.Keys(m) { // want maprange (map iterator)
		n += len(k)
	}
	//simlab:unordered
	for range m { // the annotation above has no reason: want maprange on it
		n++
	}
	//simlab:unordered there is no loop here
	n++ // want maprange on the stray annotation above
	return n
}

func generic[M ~map[K]V, K comparable, V any](m M) int {
	n := 0
	for range m { // want maprange (type parameter)
		n++
	}
	return n
}

var counter int // want global

var cache = map[string]int{} // want global

//simlab:readonly
var table = []int{1, 2} // the annotation above has no reason: want global on it
