package raftcat

import (
	"slices"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// stubborn is simlab's Raft with one broken server: *refuser refuses
// every AppendEntries that carries entries (claiming its log is empty),
// or, with deaf set, every server ignores RequestVote so no one is
// elected.
type stubborn struct {
	Server
	refuser *node.ID
	deaf    bool
}

func (s stubborn) Handle(env node.Env, ev node.Event) {
	if m, ok := ev.(*node.Recv); ok {
		switch req := m.Msg.(type) {
		case raft.AppendEntries:
			if !s.deaf && env.Self() == *s.refuser && len(req.Entries) > 0 {
				env.Send(m.From, raft.AppendEntriesReply{Term: req.Term, PrevLogIndex: req.PrevLogIndex, ConflictIndex: 1})
				return
			}
		case raft.RequestVote:
			if s.deaf {
				return
			}
		}
	}
	s.Server.Handle(env, ev)
}

// TestAStuckRunSaysWhatWasStuck runs broken clusters into liveness
// failures and requires the failure to say who lags, what it lacks and
// what passed between it and the leader, or that no one leads.
func TestAStuckRunSaysWhatWasStuck(t *testing.T) {
	tests := []struct {
		name string
		deaf bool
		run  func(rc *raftCluster)
		want []string
	}{
		{"a follower refusing entries", false, func(rc *raftCluster) { rc.one(num(100), 3, false) }, []string{
			"one(", "failed to reach agreement on 3 servers",
			"servers: s0 ", " leader, term ",
			" lacks entries 1 that the leader s", // the command at index 1 only
			"received ", "AppendEntries ×", "AppendEntriesReply ×",
			"refusing entries",
		}},
		{"no one elected", true, func(rc *raftCluster) { rc.checkOneLeader() }, []string{
			"no leader among the connected servers within 5 s",
			"no running server believes it leads",
			"RequestVote ×",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refuser := node.None
			impl := Simlab
			impl.New = func(cfg Config, app Applier) Server {
				return stubborn{Server: Simlab.New(cfg, app), refuser: &refuser, deaf: tt.deaf}
			}
			broken := scenarios.Scenario{Name: "broken-raft/stuck", Run: func(c *scenarios.Case) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				if !tt.deaf {
					// A follower refuses: the one after the leader.
					l := rc.checkOneLeader()
					refuser = rc.ids[(slices.Index(rc.ids, l)+1)%3]
				}
				tt.run(rc)
			}}
			out, err := scenarios.RunScenario(broken, 1, scenarios.Options{TraceTail: -1})
			if err != nil {
				t.Fatal(err)
			}
			if out.Passed {
				t.Fatal("the broken cluster passed")
			}
			msg := out.Failures[0].Msg
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("failure lacks %q", w)
				}
			}
		})
	}
}

func TestCountSeparatesThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 12000: "12,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
