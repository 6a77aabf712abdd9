package live

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// probe is a handler that checks it is never called concurrently, counts
// what it gets, and does what a test asks of it.
type probe struct {
	inside   *atomic.Int32
	overlaps *atomic.Int32
	starts   chan bool // Restarted, per incarnation
	recvs    *atomic.Int64
	panicOn  func(ev node.Event) bool
}

func (p *probe) Handle(env node.Env, ev node.Event) {
	if p.inside.Add(1) != 1 {
		p.overlaps.Add(1)
	}
	defer p.inside.Add(-1)
	if p.panicOn != nil && p.panicOn(ev) {
		panic("the probe was told to panic")
	}
	switch ev := ev.(type) {
	case *node.Start:
		p.starts <- ev.Restarted
	case *node.Recv:
		p.recvs.Add(1)
		time.Sleep(10 * time.Microsecond)
	}
}

func newProbe() *probe {
	return &probe{inside: new(atomic.Int32), overlaps: new(atomic.Int32), starts: make(chan bool, 16), recvs: new(atomic.Int64)}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNodeHandlesOneEventAtATime(t *testing.T) {
	p := newProbe()
	n, err := StartNode(NodeConfig{ID: 0, Dir: t.TempDir(), Log: quiet}, func() node.Handler { return p })
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if r := <-p.starts; r {
		t.Fatal("a new data directory booted as a restart")
	}
	const senders, each = 8, 200
	for s := 0; s < senders; s++ {
		go func() {
			for i := 0; i < each; i++ {
				n.Deliver(node.ID(s+1), ping{N: i})
			}
		}()
	}
	waitFor(t, "every message", func() bool { return p.recvs.Load() == senders*each })
	if o := p.overlaps.Load(); o != 0 {
		t.Fatalf("%d handler calls overlapped", o)
	}
}

// timerProbe sets a timer in one call and stops another, and sends to
// itself: none of it may act before the call returns.
type timerProbe struct {
	log   chan string
	inner bool
}

func (p *timerProbe) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		env.SetTimer(0, "fires")
		stopped := env.SetTimer(0, "stopped")
		env.StopTimer(stopped)
		env.Send(env.Self(), ping{N: 1})
		p.inner = true
		time.Sleep(20 * time.Millisecond) // the zero timer is due long before the call ends
		p.inner = false
	case *node.Timeout:
		if p.inner {
			p.log <- "timer inside the call"
		}
		p.log <- ev.Tag.(string)
	case *node.Recv:
		if p.inner {
			p.log <- "message inside the call"
		}
		p.log <- "self"
	}
}

func TestNodeAppliesEffectsWhenTheCallEnds(t *testing.T) {
	p := &timerProbe{log: make(chan string, 10)}
	n, err := StartNode(NodeConfig{ID: 3, Dir: t.TempDir(), Log: quiet}, func() node.Handler { return p })
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case s := <-p.log:
			if strings.Contains(s, "inside") || s == "stopped" {
				t.Fatal(s)
			}
			got[s] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("got %v", got)
		}
	}
	select {
	case s := <-p.log:
		t.Fatalf("then %q", s)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestNodeRestartsFromItsDiskAfterAPanic(t *testing.T) {
	dir := t.TempDir()
	p := newProbe()
	var armed atomic.Bool
	p.panicOn = func(ev node.Event) bool {
		_, recv := ev.(*node.Recv)
		return recv && armed.Swap(false)
	}
	n, err := StartNode(NodeConfig{ID: 0, Dir: dir, Log: quiet, RestartDelay: 10 * time.Millisecond}, func() node.Handler { return p })
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	<-p.starts
	armed.Store(true)
	n.Deliver(1, ping{})
	select {
	case r := <-p.starts:
		if !r {
			t.Fatal("the restart after a panic was not a restart")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the node did not restart")
	}
	if n.Stats().Restarts != 1 || n.Err() != nil {
		t.Fatalf("stats %+v, err %v", n.Stats(), n.Err())
	}
	n.Deliver(1, ping{})
	waitFor(t, "a message after the restart", func() bool { return p.recvs.Load() == 1 })

	// The same directory, started again by a new process: a restart.
	n.Stop()
	p2 := newProbe()
	n2, err := StartNode(NodeConfig{ID: 0, Dir: dir, Log: quiet}, func() node.Handler { return p2 })
	if err != nil {
		t.Fatal(err)
	}
	if !<-p2.starts {
		t.Fatal("a node started over its old directory was not told it restarted")
	}
	// While it runs, its directory is locked.
	if _, err := StartNode(NodeConfig{ID: 0, Name: "n0", Dir: dir, Log: quiet}, func() node.Handler { return p2 }); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by node n0, pid %d", os.Getpid())) {
		t.Fatalf("a second node on a running node's directory: %v", err)
	}
	n2.Stop()
	// Another node's directory is refused.
	if _, err := StartNode(NodeConfig{ID: 1, Name: "s1", Dir: dir, Log: quiet}, func() node.Handler { return p2 }); err == nil || !strings.Contains(err.Error(), "belongs to node") {
		t.Fatalf("another node's directory: %v", err)
	}
}

func TestNodeThatCannotBootStops(t *testing.T) {
	p := newProbe()
	p.panicOn = func(ev node.Event) bool { _, start := ev.(*node.Start); return start }
	n, err := StartNode(NodeConfig{ID: 0, Name: "s0", Dir: t.TempDir(), Log: quiet, RestartDelay: time.Millisecond, MaxBootPanics: 3}, func() node.Handler { return p })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a node that panics at every boot is still restarting")
	}
	if err := n.Err(); err == nil || !strings.Contains(err.Error(), "panicked while booting 3 times") {
		t.Fatalf("Err() = %v", err)
	}
	if n.Invoke(func(node.Env) {}) {
		t.Fatal("Invoke ran on a stopped node")
	}
}
