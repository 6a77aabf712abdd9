package nodetest_test

import (
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
)

// counter persists how many pings it got (syncing only every other one)
// and answers each with the count.
type counter struct{ n int }

func (c *counter) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		if b, err := env.Disk().ReadFile("n"); err == nil {
			c.n = int(b[0])
		}
		env.SetTimer(time.Second, "tick")
	case *node.Recv:
		c.n++
		env.Disk().WriteFile("n", []byte{byte(c.n)})
		if c.n%2 == 0 {
			env.Disk().Sync()
		}
		env.Send(ev.From, c.n)
	case *node.Timeout:
		env.Logf("tick at %v", env.Now())
		env.SetTimer(time.Second, "tick")
	}
}

func TestEnvDrivesAHandler(t *testing.T) {
	env := nodetest.New(3, 1)
	h := &counter{}
	env.Start(h, false)
	for i := 0; i < 3; i++ {
		env.Deliver(h, 7, "ping")
	}
	sent := env.Sent()
	if len(sent) != 3 || sent[2].To != 7 || sent[2].Msg != 3 {
		t.Fatalf("sent %v; want three replies to n7 ending with 3", sent)
	}
	if len(env.Sent()) != 0 {
		t.Error("Sent did not forget what it returned")
	}
	if tm, ok := env.FireNext(h); !ok || tm.Tag != "tick" || env.Now() != time.Second {
		t.Errorf("FireNext = %+v, %v at %v; want the tick at 1s", tm, ok, env.Now())
	}
	if ts := env.Timers(); len(ts) != 1 || ts[0].Due != 2*time.Second {
		t.Errorf("timers %+v; want one re-armed tick due at 2s", ts)
	}
	if logs := env.Logs(); len(logs) != 1 {
		t.Errorf("logs %v; want one line", logs)
	}
	// Three writes, the last unsynced: a crash goes back to 2.
	env.Crash()
	h = &counter{}
	env.Start(h, true)
	if h.n != 2 {
		t.Errorf("after the crash the count is %d; want 2, the last synced value", h.n)
	}
	if len(env.Timers()) != 1 {
		t.Errorf("timers after crash and restart %v; want only the new incarnation's", env.Timers())
	}
	if env.Store().Syncs != 1 {
		t.Errorf("%d syncs; want 1", env.Store().Syncs)
	}
}
