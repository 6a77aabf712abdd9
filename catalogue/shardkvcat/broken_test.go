package shardkvcat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// Broken replica groups, built from outside the system: each wraps a
// group server's node, feeding it or keeping from it messages, as the
// classic mistakes would look to its peers.

// wrapped is a group server with hook run around every event.
type wrapped struct {
	s    *shardkv.Server
	hook hook
}

func (h *wrapped) Unwrap() node.Handler { return h.s }

func (h *wrapped) Handle(env node.Env, ev node.Event) {
	if ev, ok := h.hook(h.s, env, ev); ok {
		h.s.Handle(env, ev)
	}
}

// hook is a broken variant's view of one incarnation's events: it may
// handle the event itself, change it, or let it through (true).
type hook func(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool)

// brokenServer builds servers wrapped in newHook(), one per incarnation.
func brokenServer(newHook func() hook) func(shardkv.ServerConfig) node.Factory {
	return func(cfg shardkv.ServerConfig) node.Factory {
		inner := shardkv.NewServer(cfg)
		return func() node.Handler { return &wrapped{s: inner().(*shardkv.Server), hook: newHook()} }
	}
}

// serveBeforeData: a group takes a shard it is given as arrived at once,
// empty, instead of waiting for its data from the previous owner.
func serveBeforeData() hook {
	faked := map[[2]int]bool{} // (configuration, shard) taken as arrived
	return func(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
		s.Handle(env, ev)
		switch {
		case s.Raft() != nil:
			if _, leads := s.Raft().State(); !leads {
				return nil, false
			}
		case s.PaxosLog() == nil:
			return nil, false // down; on Paxos every server drives pulls
		}
		cfg := s.Config()
		for i := range cfg.Shards {
			if s.ShardState(i) == shardkv.Pulling && !faked[[2]int{cfg.Num, i}] {
				faked[[2]int{cfg.Num, i}] = true
				s.Handle(env, &node.Recv{From: env.Self(), Msg: shardkv.PullReply{ConfigNum: cfg.Num, Shard: i, OK: true}})
			}
		}
		return nil, false
	}
}

// forgetDedup: a group installs a moved shard without its
// duplicate-detection table, so a request retried across the move applies
// twice.
func forgetDedup(_ *shardkv.Server, _ node.Env, ev node.Event) (node.Event, bool) {
	if m, ok := ev.(*node.Recv); ok {
		if r, ok := m.Msg.(shardkv.PullReply); ok {
			r.Data.Clients, r.Data.Records = nil, nil
			return &node.Recv{From: m.From, Msg: r}, true
		}
	}
	return ev, true
}

// keepMoved: a group told that a shard it gave away has arrived keeps a
// copy of it on its disk instead of letting it go.
func keepMoved(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	if m, ok := ev.(*node.Recv); ok {
		if del, ok := m.Msg.(shardkv.DeleteReq); ok && s.Config().Num == del.ConfigNum && s.ShardState(del.Shard) == shardkv.Leaving {
			var copy shardkv.ShardData
			s.Handle(capture{env, &copy}, &node.Recv{From: env.Self(), Msg: shardkv.PullReq(del)})
			var b strings.Builder
			for i, k := range copy.Keys {
				b.WriteString(k + "=" + copy.Values[i] + "\n")
			}
			d := env.Disk()
			d.WriteFile(fmt.Sprintf("kept-%d-%d", del.ConfigNum, del.Shard), []byte(b.String()))
			d.Sync()
		}
	}
	return ev, true
}

// staleReads: a group keeps answering reads of a shard it has given away,
// from its frozen copy, until the copy is deleted.
func staleReads(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	m, ok := ev.(*node.Recv)
	if !ok {
		return ev, true
	}
	req, ok := m.Msg.(rsm.Request)
	if !ok {
		return ev, true
	}
	op, ok := req.Op.(shardkv.Op)
	cfg := s.Config()
	shard := shardkv.Key2Shard(op.Key, len(cfg.Shards))
	if !ok || op.Kind != shardkv.Get || s.ShardState(shard) != shardkv.Leaving {
		return ev, true
	}
	var frozen shardkv.ShardData
	s.Handle(capture{env, &frozen}, &node.Recv{From: env.Self(), Msg: shardkv.PullReq{ConfigNum: cfg.Num, Shard: shard}})
	res := shardkv.Result{GID: s.GID(), ConfigNum: cfg.Num, Shard: shard}
	for i, k := range frozen.Keys {
		if k == op.Key {
			res.Value = frozen.Values[i]
		}
	}
	env.Send(m.From, rsm.Reply{ClientID: req.ClientID, Seq: req.Seq, Result: res})
	return nil, false
}

// capture keeps a PullReply the server sends instead of sending it.
type capture struct {
	node.Env
	into *shardkv.ShardData
}

func (e capture) Send(to node.ID, msg any) {
	if r, ok := msg.(shardkv.PullReply); ok && to == e.Self() {
		*e.into = r.Data
		return
	}
	e.Env.Send(to, msg)
}

// TestBrokenGroupsAreCaught runs each broken group against the scenario
// that should catch it, within a stated number of seeds, and requires the
// correct store to pass the seed that caught it.
func TestBrokenGroupsAreCaught(t *testing.T) {
	tests := []struct {
		bug         string
		hook        func() hook
		scenario    string
		withinSeeds uint64 // measured first catch on Raft, and share of seeds 1-100 (SIMLAB_SHARE_SEEDS=100), in the comments; on either log
		want        string // in the failure
	}{
		{"serving a shard before its data arrives", serveBeforeData, "shardkv/join-leave", 3, ""},                                          // seed 1; 100 of 100
		{"not moving duplicate-detection state", func() hook { return forgetDedup }, "shardkv/unreliable-appends", 30, ""},                 // seed 1; 81 of 100
		{"not deleting moved shards", func() hook { return keepMoved }, "shardkv/delete", 3, "moved shards are kept"},                      // seed 1; 100 of 100
		{"serving reads of a shard given away", func() hook { return staleReads }, "shardkv/unreliable-random", 20, "one group per shard"}, // seed 1; 71 of 100 (on Paxos: seed 14)
	}
	for _, tt := range tests {
		for _, log := range []string{"raft", "paxos"} {
			t.Run(tt.bug+" on "+log, func(t *testing.T) {
				opts := scenarios.Options{Params: map[string]string{"log": log}}
				var broken scenarios.Scenario
				for _, s := range skvScenarios(brokenServer(tt.hook)) {
					if s.Name == tt.scenario {
						broken = s
					}
				}
				broken.Name = "broken-" + tt.scenario
				seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, opts)
				if seed == 0 {
					t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
				}
				msg := out.Failures[0].Msg
				t.Logf("%s caught it at seed %d: %s: %.300s", tt.scenario, seed, out.Failures[0].Kind, msg)
				if !strings.Contains(msg, tt.want) {
					t.Errorf("caught by %q, want a failure saying %q", msg, tt.want)
				}
				if n := scenariotest.ShareSeeds(t); n > 0 {
					k := scenariotest.FailingShare(t, broken, n, opts)
					t.Logf("%s caught it at %d of seeds 1-%d (%.1f%%)", tt.scenario, k, n, 100*float64(k)/float64(n))
				}
				if good, err := scenarios.Run(tt.scenario, seed, opts); err != nil || !good.Passed {
					t.Fatalf("the correct store fails seed %d too: %v %+v", seed, err, good.Failures)
				}
			})
		}
	}
}

// TestTheServingCheck feeds the one-group-per-shard check sequences of
// answers: a shard moving on to a later configuration is fine, and so is
// an answer of an earlier configuration that leaves its group late; two
// groups in one configuration are not.
func TestTheServingCheck(t *testing.T) {
	type answer struct{ gid, configNum, shard int }
	tests := []struct {
		name    string
		answers []answer
		want    string // "" for no violation
	}{
		{"one group throughout", []answer{{1, 1, 0}, {1, 1, 0}, {1, 2, 0}}, ""},
		{"a move to a later configuration", []answer{{1, 1, 0}, {2, 2, 0}, {1, 3, 0}}, ""},
		{"other shards do not interfere", []answer{{1, 2, 0}, {2, 1, 1}}, ""},
		{"an old owner's late answer", []answer{{1, 2, 4}, {2, 3, 4}, {1, 2, 4}}, ""},
		{"two groups in one configuration", []answer{{1, 2, 0}, {2, 2, 0}}, "shard 0 answered by groups 2 and 1 in configuration 2 (group 1 first"},
		{"after a move back", []answer{{1, 1, 4}, {2, 2, 4}, {1, 3, 4}, {2, 3, 4}}, "shard 4 answered by groups 2 and 1 in configuration 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := scenarios.RunScenario(scenarios.Scenario{Name: "serving-check", Run: func(c *scenarios.Case) {
				kc := newSKVCluster(c, skvOptions{groups: 0})
				for _, a := range tt.answers {
					kc.answered(a.gid, shardkv.Result{GID: a.gid, ConfigNum: a.configNum, Shard: a.shard})
				}
				kc.Run(time.Millisecond)
			}}, 1, scenarios.Options{TraceTail: -1})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && !out.Passed:
				t.Errorf("flagged: %v", out.Failures)
			case tt.want != "" && (out.Passed || !strings.Contains(out.Failures[0].Msg, tt.want)):
				t.Errorf("got %v, want a failure saying %q", out.Failures, tt.want)
			}
		})
	}
}
