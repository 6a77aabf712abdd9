// Package calib is the workload that calibrates the cost of a guest's work
// (guest.DefaultWorkCost): the kinds of work a Go server does between its
// waits — requests handed to a goroutine each and answered over channels,
// a mutex around a map, encoding with gob, formatting, sorting and
// allocation. Its one test times itself with time.Since, which is the wall
// clock natively and the virtual clock as a guest, so the two figures
// compare directly.
package calib

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

type request struct {
	Op    string
	Key   string
	Value string
	Seq   int64
}

type reply struct {
	Err   string
	Value string
}

type store struct {
	mu   sync.Mutex
	data map[string]string
}

func (s *store) handle(req request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Op {
	case "put":
		s.data[req.Key] = req.Value
		return reply{}
	case "append":
		s.data[req.Key] += req.Value
		return reply{}
	}
	v, ok := s.data[req.Key]
	if !ok {
		return reply{Err: "ErrNoKey"}
	}
	return reply{Value: v}
}

type call struct {
	req  request
	done chan reply
}

// round is one unit of the workload: requests through a server goroutine
// that answers each from a goroutine of its own, with gob on the way in.
func round(calls chan<- call, i int) int {
	var buf bytes.Buffer
	n := 0
	for k := 0; k < 8; k++ {
		req := request{Op: []string{"put", "append", "get"}[k%3], Key: "k" + strconv.Itoa(k%4), Value: fmt.Sprintf("v%d.%d", i, k), Seq: int64(i*8 + k)}
		buf.Reset()
		if err := gob.NewEncoder(&buf).Encode(req); err != nil {
			panic(err)
		}
		var got request
		if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
			panic(err)
		}
		c := call{got, make(chan reply, 1)}
		calls <- c
		r := <-c.done
		n += len(r.Value)
	}
	xs := make([]int, 64)
	for k := range xs {
		xs[k] = (k*7919 + i) % 101
	}
	sort.Ints(xs)
	return n + xs[32]
}

func workload(rounds int) int {
	s := &store{data: map[string]string{}}
	calls := make(chan call)
	go func() {
		for c := range calls {
			go func(c call) { c.done <- s.handle(c.req) }(c)
		}
	}()
	sum := 0
	for i := 0; i < rounds; i++ {
		sum += round(calls, i)
		if i%100 == 99 {
			s.mu.Lock()
			s.data = map[string]string{}
			s.mu.Unlock()
		}
	}
	close(calls)
	return sum
}

// TestWorkload runs the workload and says how long it took by its clock.
func TestWorkload(t *testing.T) {
	start := time.Now()
	sum := workload(2000)
	fmt.Printf("elapsed %d ns (checksum %d)\n", time.Since(start).Nanoseconds(), sum)
}
