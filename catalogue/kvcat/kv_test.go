package kvcat

import (
	"os"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
)

// noDedupServer is a kv server that loses duplicate detection: it gives
// every request it receives a fresh client id, so a retried Append is
// applied again, and puts the client's own id back on the reply.
func noDedupServer(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler {
		return &noDedup{s: inner().(*kv.Server), orig: map[uint64]uint64{}}
	}
}

// noDedup is one incarnation of noDedupServer's server.
type noDedup struct {
	s     *kv.Server
	orig  map[uint64]uint64 // fresh id → the client's id
	fresh uint64
}

// Unwrap is the server inside, whose state the oracles read.
func (h *noDedup) Unwrap() node.Handler { return h.s }

func (h *noDedup) Handle(env node.Env, ev node.Event) {
	env = replyAs{env, h.orig}
	if m, ok := ev.(*node.Recv); ok {
		if req, ok := m.Msg.(kv.Request); ok {
			h.fresh++
			id := uint64(env.Self())<<48 | h.fresh
			h.orig[id] = req.ClientID
			req.ClientID = id
			ev = &node.Recv{From: m.From, Msg: req}
		}
	}
	h.s.Handle(env, ev)
}

// replyAs puts the client's own id back on replies.
type replyAs struct {
	node.Env
	orig map[uint64]uint64
}

func (e replyAs) Send(to node.ID, msg any) {
	if r, ok := msg.(kv.Reply); ok {
		if id, fake := e.orig[r.ClientID]; fake {
			r.ClientID = id
			msg = r
		}
	}
	e.Env.Send(to, msg)
}

// localReadServer is a kv server that answers Get at once from its own
// state whenever it believes it leads, without going through the log: a
// leader deposed in a partition it has not noticed serves stale reads.
func localReadServer(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler {
		s := inner().(*kv.Server)
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if m, ok := ev.(*node.Recv); ok {
				if req, ok := m.Msg.(kv.Request); ok && req.Op.Kind == kv.Get && s.Raft() != nil {
					if _, isLeader := s.Raft().State(); isLeader {
						env.Send(m.From, kv.Reply{ClientID: req.ClientID, Seq: req.Seq, Value: s.Peek(req.Op.Key)})
						return
					}
				}
			}
			s.Handle(env, ev)
		})
	}
}

// lostAppendServer is a kv server whose leader answers one append in 20 at
// once, without putting it in the log: the client is told it applied, and
// it never does. Appends alone leave porcupine nothing to see; the final
// read of kv/one-key-appends does.
func lostAppendServer(cfg kv.ServerConfig) node.Factory {
	inner := kv.NewServer(cfg)
	return func() node.Handler {
		s := inner().(*kv.Server)
		appends := 0
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if m, ok := ev.(*node.Recv); ok {
				if req, ok := m.Msg.(kv.Request); ok && req.Op.Kind == kv.Append && s.Raft() != nil {
					if _, isLeader := s.Raft().State(); isLeader {
						if appends++; appends%20 == 0 {
							env.Send(m.From, kv.Reply{ClientID: req.ClientID, Seq: req.Seq})
							return
						}
					}
				}
			}
			s.Handle(env, ev)
		})
	}
}

// TestKVCatalogueCatchesBrokenServers runs kv scenarios over deliberately
// broken servers and requires the checks to catch each within a stated
// number of seeds, while correct servers pass the same seeds.
func TestKVCatalogueCatchesBrokenServers(t *testing.T) {
	tests := []struct {
		name        string
		scenario    string
		run         func(*scenarios.Case, kvServer)
		server      kvServer
		withinSeeds uint64
	}{
		{"no duplicate detection", "kv/one-key-appends", runKVOneKeyAppends, noDedupServer, 5},
		{"no duplicate detection, under a swarm", "kv/swarm", runKVSwarm, noDedupServer, 5},
		{"appends answered but never logged", "kv/one-key-appends", runKVOneKeyAppends, lostAppendServer, 5},
		{"reads served by any self-declared leader", "kv/partitions", runKVPartitions, localReadServer, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own, _ := scenarios.Lookup(tt.scenario)
			broken := scenarios.Scenario{Name: "broken-" + tt.scenario, Params: own.Params, Run: func(c *scenarios.Case) { tt.run(c, tt.server) }}
			seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
			}
			t.Logf("caught at seed %d: %s", seed, out.Failures[0].Msg)
			if good, err := scenarios.Run(tt.scenario, seed, scenarios.Options{}); err != nil || !good.Passed {
				t.Fatalf("correct servers fail seed %d too: %v %v", seed, err, good.Failures)
			}
		})
	}
}

// TestAStaleReadIsExplainedAndDrawnOnlyWhenAsked: the broken server's
// stale read is reported with its key and operations; its visualization is
// written into the -viz directory when one is given, and nowhere otherwise.
func TestAStaleReadIsExplainedAndDrawnOnlyWhenAsked(t *testing.T) {
	broken := scenarios.Scenario{Name: "broken-kv/partitions", Histories: true, Params: append(kvWorkParams(5), kvSeconds(5)), Run: func(c *scenarios.Case) { runKVPartitions(c, localReadServer) }}
	out, err := scenarios.RunScenario(broken, 10, scenarios.Options{TraceTail: -1})
	if err != nil || out.Passed {
		t.Fatalf("seed 10: %v, passed %v; want the stale read caught", err, out.Passed)
	}
	msg := out.Failures[0].Msg
	for _, want := range []string{"not linearizable: key ", "operations linearize; the first that cannot: client ", "replay with -viz DIR to draw it"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q lacks %q", msg, want)
		}
	}
	dir := t.TempDir()
	out, _ = scenarios.RunScenario(broken, 10, scenarios.Options{TraceTail: -1, VizDir: dir})
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || !strings.Contains(out.Failures[0].Msg, "visualization: "+dir) {
		t.Errorf("with -viz: %d files in %s, failure %q; want the one visualization, named", len(files), dir, out.Failures[0].Msg)
	}
}
