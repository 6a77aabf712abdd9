package harness_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
)

// TestLogOf: the log parameter chooses the log; a scenario without it is
// on Raft, and another value is bad input.
func TestLogOf(t *testing.T) {
	tests := []struct {
		name     string
		params   []scenarios.Param
		value    string // "" leaves the parameter at its default
		want     harness.Log
		badInput bool
	}{
		{"no parameter", nil, "", harness.Raft, false},
		{"default", []scenarios.Param{harness.LogParam}, "", harness.Raft, false},
		{"raft", []scenarios.Param{harness.LogParam}, "raft", harness.Raft, false},
		{"paxos", []scenarios.Param{harness.LogParam}, "paxos", harness.Paxos, false},
		{"neither", []scenarios.Param{harness.LogParam}, "zab", harness.Raft, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got harness.Log
			s := scenarios.Scenario{Name: "test/log", Params: tt.params, Run: func(c *scenarios.Case) { got = harness.LogOf(c) }}
			o := scenarios.Options{}
			if tt.value != "" {
				o.Params = map[string]string{"log": tt.value}
			}
			_, err := scenarios.RunScenario(s, 1, o)
			var usage *scenarios.UsageError
			if tt.badInput != errors.As(err, &usage) {
				t.Fatalf("error %v; want bad input: %v", err, tt.badInput)
			}
			if !tt.badInput && got != tt.want {
				t.Errorf("LogOf = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWithLogParam: every scenario gets the parameter last, and the
// scenarios' own lists are not written through.
func TestWithLogParam(t *testing.T) {
	own := make([]scenarios.Param, 1, 2)
	own[0] = scenarios.Param{Name: "keys", Default: "5"}
	list := harness.WithLogParam([]scenarios.Scenario{{Params: own}, {}})
	for i, s := range list {
		if n := len(s.Params); n == 0 || s.Params[n-1].Name != "log" {
			t.Errorf("scenario %d: params %v, want log last", i, s.Params)
		}
	}
	if extra := own[:2]; extra[1].Name != "" {
		t.Errorf("the scenario's own list was written through: %v", extra)
	}
}

// TestFaultsBindOnce: the schedule is bound once, at the first Bind, Run
// or Fault, with the scenario's network as actions at 0 s first; what a
// later Bind gives is ignored.
func TestFaultsBindOnce(t *testing.T) {
	lossy := &sim.LinkConfig{LatencyMin: time.Millisecond, Loss: 0.1}
	crash := func(at time.Duration, name string) scenarios.Schedule {
		return scenarios.Schedule{{At: at, Op: "crash", Args: []string{name}}}
	}
	tests := []struct {
		name  string
		link  *sim.LinkConfig
		steps func(f *harness.Faults)
		want  string // the applied schedule
	}{
		{"run binds none", nil, func(f *harness.Faults) { f.Run(time.Second) }, "none"},
		{"first bind wins", nil, func(f *harness.Faults) {
			f.Bind(crash(100*time.Millisecond, "s0"))
			f.Bind(crash(200*time.Millisecond, "s1"))
			f.Run(time.Second)
		}, "100ms crash s0"},
		{"fault binds first", nil, func(f *harness.Faults) {
			f.Fault("crash", "s1")
			f.Bind(crash(200*time.Millisecond, "s0"))
			f.Run(time.Second)
		}, "1ns crash s1"},
		{"the network first", lossy, func(f *harness.Faults) {
			f.Bind(crash(100*time.Millisecond, "s0"))
			f.Run(time.Second)
		}, "0s latency 1ms 0s; 0s loss 0.1; 100ms crash s0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scenarios.Scenario{Name: "test/faults", Run: func(c *scenarios.Case) {
				w, f := harness.NewWorld(c, sim.Config{Link: tt.link})
				for _, name := range []string{"s0", "s1"} {
					w.AddNode(name, func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
				}
				tt.steps(f)
			}}
			out, err := scenarios.RunScenario(s, 1, scenarios.Options{})
			if err != nil || !out.Passed {
				t.Fatalf("%v %v", err, out.Failures)
			}
			if out.Faults != tt.want {
				t.Errorf("schedule %q, want %q", out.Faults, tt.want)
			}
		})
	}
}

// TestStuckRunDescribed: a run stuck for want of a majority says where
// every server stands, on either log, and which clients wait.
func TestStuckRunDescribed(t *testing.T) {
	tests := []struct {
		log  string
		want []string
	}{
		{"raft", []string{"s0 down", "s1 down", "s2 leader term", "waiting: [c0 c1]"}},
		{"paxos", []string{"s0 down", "s1 down", "s2 applied", "Paxos Min", "waiting: [c0 c1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.log, func(t *testing.T) {
			s := scenarios.Scenario{Name: "test/stuck", Params: []scenarios.Param{harness.LogParam}, Run: tinyKV}
			o := scenarios.Options{Params: map[string]string{"log": tt.log}, Faults: "1s crash s0; 1s crash s1", TraceTail: -1}
			out, err := scenarios.RunScenario(s, 1, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Failures) == 0 || out.Failures[0].Kind != sim.Liveness {
				t.Fatalf("failures %v; want a liveness failure", out.Failures)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.Failures[0].Msg, w) {
					t.Errorf("failure %q does not say %q", out.Failures[0].Msg, w)
				}
			}
		})
	}
}

// TestClients: clients are named in order, after the nodes before them,
// and each client's next runs at its start and after each of its pauses.
func TestClients(t *testing.T) {
	s := scenarios.Scenario{Name: "test/clients", Run: func(c *scenarios.Case) {
		w, f := harness.NewWorld(c, sim.Config{})
		w.AddNode("s0", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
		cs := harness.NewClients[*kv.Clerk](w)
		nexts := 0
		for range 2 {
			var cl *harness.Client[*kv.Clerk]
			runs := 0
			cl = cs.Add(func() *kv.Clerk { return kv.NewClerk([]node.ID{0}, time.Second) }, func(env node.Env) {
				nexts++
				if runs++; runs < 3 {
					cl.Think(env, 10*time.Millisecond)
				}
			})
		}
		f.Run(time.Second)
		for i, cl := range cs.All() {
			if want := node.ID(i + 1); cl.ID != want || cl.Name() != w.Name(want) || cl.Index != i {
				c.Failf("client %d is %s (ID %d), want %s (ID %d)", i, cl.Name(), cl.ID, w.Name(want), want)
			}
		}
		if nexts != 6 {
			c.Failf("next ran %d times, want 2 starts and 2 pauses of each client", nexts)
		}
		if cs.Busy() || len(cs.Waiting()) != 0 {
			c.Failf("clients busy with no operation started: %v", cs.Waiting())
		}
	}}
	if out, err := scenarios.RunScenario(s, 1, scenarios.Options{}); err != nil || !out.Passed {
		t.Fatalf("%v %v", err, out.Failures)
	}
}

// TestTypeNamesAreWhatTheNetworkAims: a name TypeNames gives a swarm to
// aim at is one the network's faults by type match, so an aimed fault acts
// on the messages it names; and each log names its round's answers.
func TestTypeNamesAreWhatTheNetworkAims(t *testing.T) {
	w := sim.New(1, sim.Config{})
	got := 0
	a := w.AddNode("a", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
	b := w.AddNode("b", func() node.Handler {
		return node.HandlerFunc(func(_ node.Env, ev node.Event) {
			if _, ok := ev.(*node.Recv); ok {
				got++
			}
		})
	})
	w.Net().SetTypeFault(harness.TypeNames(kv.Reply{})[0], sim.TypeFault{Dup: 1})
	w.Invoke(a, "send", func(env node.Env) { env.Send(b, kv.Reply{}) })
	if err := w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("a kv.Reply duplicated by its type name %v arrived %d times; want 2", harness.TypeNames(kv.Reply{}), got)
	}
	for l, want := range map[harness.Log]string{harness.Raft: "raft.AppendEntriesReply", harness.Paxos: "paxos.PrepareReply"} {
		if names := l.MsgTypes(); !slices.Contains(names, want) {
			t.Errorf("%s aims at %v; want %s among them", l, names, want)
		}
	}
}
