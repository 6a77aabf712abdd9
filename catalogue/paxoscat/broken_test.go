package paxoscat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/paxos"
)

// Broken peers, built from outside the library as a test of yours would:
// each wraps what a correct peer receives or the disk it writes.

// amnesiaEnv gives a peer a disk of its own that a restart loses: an
// acceptor that forgets its promises (and acceptances) when it restarts.
type amnesiaEnv struct {
	node.Env
	disk node.Disk
}

func (e amnesiaEnv) Disk() node.Disk { return e.disk }

func forgetsPromises(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		disk := nodetest.NewDisk() // one per incarnation: the factory calls wrap at every boot
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			return amnesiaEnv{env, disk}, ev, true
		}
	}
}

// lazyDisk is a disk whose Sync does nothing: an acceptor that answers
// before what it promised or accepted is durable.
type lazyDisk struct{ node.Disk }

func (lazyDisk) Sync()           {}
func (lazyDisk) SyncFile(string) {}

type lazyEnv struct{ node.Env }

func (e lazyEnv) Disk() node.Disk { return lazyDisk{e.Env.Disk()} }

func answersBeforeSync(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			return lazyEnv{env}, ev, true
		}
	}
}

// ignoresAccepted hides from a proposer the proposals its acceptors had
// accepted, so it proposes its own value where it must take up theirs.
func ignoresAccepted(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			if r, ok := ev.(*node.Recv); ok {
				if m, ok := r.Msg.(paxos.PrepareReply); ok && !m.Decided {
					m.NA, m.VA = 0, nil
					return env, &node.Recv{From: r.From, Msg: m}, true
				}
			}
			return env, ev, true
		}
	}
}

// countsRejections takes a refused prepare for a promise: a proposer that
// counts every answer toward its majority. Alone it does no harm (nobody
// refuses a lone proposer); it takes another proposer, with a higher
// proposal, on the same instance at the same time: a duel.
func countsRejections(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			if r, ok := ev.(*node.Recv); ok {
				if m, ok := r.Msg.(paxos.PrepareReply); ok && !m.OK && !m.Decided && !m.Forgotten {
					m.OK = true
					return env, &node.Recv{From: r.From, Msg: m}, true
				}
			}
			return env, ev, true
		}
	}
}

// doneTooEarly takes every peer for done with whatever instance a message
// is about: Done frees instances before every peer is done with them.
func doneTooEarly(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			if r, ok := ev.(*node.Recv); ok {
				var msg any
				switch m := r.Msg.(type) {
				case paxos.Prepare:
					m.Done = max(m.Done, m.Seq-1)
					msg = m
				case paxos.Accept:
					m.Done = max(m.Done, m.Seq-1)
					msg = m
				case paxos.Decide:
					m.Done = max(m.Done, m.Seq)
					msg = m
				}
				if msg != nil {
					return env, &node.Recv{From: r.From, Msg: msg}, true
				}
			}
			return env, ev, true
		}
	}
}

// trustsDamage restarts a peer empty where Paxos would refuse its damaged
// state: at a restart it boots a copy of the peer over a copy of the
// files, and if that copy refuses, it deletes the peer's files first. It
// is what the storage did before it told damage from a torn tail when a
// file was lost, and what an operator does who "repairs" a node by
// emptying its directory.
func trustsDamage(pc *pxCluster) {
	pc.wrap = func(int) func(node.Env, node.Event) (node.Env, node.Event, bool) {
		return func(env node.Env, ev node.Event) (node.Env, node.Event, bool) {
			if s, ok := ev.(*node.Start); ok && s.Restarted {
				probe := nodetest.New(env.Self(), 1)
				for _, name := range env.Disk().Names() {
					b, _ := env.Disk().ReadFile(name)
					probe.Store().WriteFile(name, b)
				}
				probe.Store().Sync()
				if probe.Boot(node.HandlerFunc(func(e node.Env, ev node.Event) { paxos.New(paxos.Config{Peers: pc.ids}).Handle(e, ev) }), true) != nil {
					for _, name := range env.Disk().Names() {
						env.Disk().Remove(name)
					}
				}
			}
			return env, ev, true
		}
	}
}

// TestBrokenPaxosIsCaught runs each broken peer against the scenario that
// should catch it, within a stated number of seeds, and requires the
// correct peers to pass the seed that caught it.
func TestBrokenPaxosIsCaught(t *testing.T) {
	tests := []struct {
		bug         string
		tweak       func(*pxCluster)
		scenario    string
		withinSeeds uint64
		want        string // in the failure
	}{
		{"an acceptor forgets its promise at restart", forgetsPromises, "paxos/crash-restart", 5, "a promise must be durable before it is sent"},
		{"an acceptor answers before its disk syncs", answersBeforeSync, "paxos/crash-restart", 20, "must be durable before it is sent"},
		{"a proposer ignores a higher accepted value", ignoresAccepted, "paxos/dueling", 5, "which no majority of its promises allows (P2c"},
		{"a proposer counts a refused prepare as a promise", countsRejections, "paxos/swarm", 10, "went to phase 2 with"},
		{"Done frees instances before every peer is done", doneTooEarly, "paxos/forget", 5, "forgot instances below"}, // seed 1
		{"an acceptor restarts empty over damaged state", trustsDamage, "paxos/damaged-disk", 5, "a promise must be durable before it is sent"},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			broken := scenariotest.Broken(t, pxScenarios(tt.tweak), tt.scenario)
			seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, scenarios.Options{})
			if seed == 0 {
				t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
			}
			msg := out.Failures[0].Msg
			t.Logf("%s caught it at seed %d: %s: %.300s", tt.scenario, seed, out.Failures[0].Kind, msg)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("caught by %q; want a failure saying %q", msg, tt.want)
			}
			if n := scenariotest.ShareSeeds(t); n > 0 {
				k := scenariotest.FailingShare(t, broken, n, scenarios.Options{})
				t.Logf("%s caught it at %d of seeds 1-%d (%.1f%%)", tt.scenario, k, n, 100*float64(k)/float64(n))
			}
			if good, err := scenarios.Run(tt.scenario, seed, scenarios.Options{}); err != nil || !good.Passed {
				t.Fatalf("correct peers fail seed %d too: %v %+v", seed, err, good.Failures)
			}
		})
	}
}
