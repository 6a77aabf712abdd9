package kvsrvcat

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
)

// onePut is a client that reads key k and puts its own value at the
// version it read, once, then stops.
type onePut struct {
	ck   *kvsrv.Clerk
	name string
	done *int
}

func (c *onePut) Handle(env node.Env, ev node.Event) {
	if c.ck.Handle(env, ev) {
		return
	}
	if _, ok := ev.(*node.Start); ok {
		c.ck.Get(env, "k", func(env node.Env, _ string, version uint64, _ string) {
			c.ck.Put(env, "k", c.name, version, func(env node.Env, _ string) { *c.done++ })
		})
	}
}

// BenchmarkServerStatePerClerk: 20,000 clerks each do one put on one key;
// the server's state (its keys, values and versions; it keeps nothing per
// client) is measured before and after, per clerk.
func BenchmarkServerStatePerClerk(b *testing.B) {
	const clerks = 20000
	var perClerk float64
	for i := 0; i < b.N; i++ {
		w := sim.New(uint64(i+1), sim.Config{})
		srv := w.AddNode("srv", kvsrv.NewServer())
		w.RunFor(0)
		before := w.Handler(srv).(*kvsrv.Server).StateBytes()
		done := 0
		for j := 0; j < clerks; j++ {
			name := fmt.Sprintf("c%d", j)
			w.AddNode(name, func() node.Handler { return &onePut{ck: kvsrv.NewClerk(srv, 0), name: name, done: &done} })
		}
		if err := w.RunUntil(func() bool { return done == clerks }, time.Minute, "every clerk's put"); err != nil {
			b.Fatal(err)
		}
		s := w.Handler(srv).(*kvsrv.Server)
		perClerk = float64(s.StateBytes()-before) / clerks
		if perClerk > 10 {
			b.Fatalf("the server's state grew %.1f bytes per clerk; want at most 10", perClerk)
		}
	}
	b.ReportMetric(perClerk, "state-bytes/clerk")
	b.ReportMetric(float64(clerks)*float64(b.N)/b.Elapsed().Seconds(), "clerks/s")
}
