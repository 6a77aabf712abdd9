package harness

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
)

// Replica is a server of a replicated service as a Watch finds it in its
// node's handler (under any wrapper with an Unwrap method): kv.Server,
// shardctrler.Server and shardkv.Server are. The log it does not run on
// is nil.
type Replica interface {
	Raft() *raft.Raft
	PaxosLog() *paxoslog.Log
}

// Watch watches the consensus log of every server of one replicated
// service. On Raft its check, after every event at one of the servers and
// every world action, is the consensus invariants (checker.Consensus) over
// every running server, each incarnation counted, and what each server's
// messages revealed (Revealed: its term, a vote it granted, the entries it
// acknowledged) is checked to survive its restarts, and every leader to
// hold the votes of a majority granted in its term; on Paxos it is that what
// each server has applied since it was last looked at agrees with what
// every other applied at the same instances, and the ballot checks of
// every message (Ballots: P2c, P2b, promises that survive a restart). It also says who leads and
// where every server stands.
type Watch struct {
	w     *sim.World
	label string
	ids   []node.ID
	log   Log
	boots map[node.ID]uint64

	check    *checker.Consensus // on Raft
	views    []checker.LogView
	revealed *Revealed // on Raft: what servers said, checked at restarts and elections
	// revealErr is the first failure Revealed found inside a handler,
	// returned by the next observation.
	revealErr error

	decided   map[int][]byte        // on Paxos: the first value applied at each instance
	checkedTo map[*paxoslog.Log]int // how far each incarnation's log was checked
	ballots   *Ballots              // on Paxos: P2c, P2b and what acceptors revealed

	// SawSnapshot records that some server held a snapshot at some point.
	SawSnapshot bool
}

// Watch watches the servers ids of w, which run on l. label names the
// group in its check ("the controller: raft safety") and in Describe
// ("the controller: s0 down; …"); with several groups in a world each
// needs one, and with one it may be "" ("raft safety"). Build each
// server's node with Factory, so incarnations are counted.
func (l Log) Watch(w *sim.World, label string, ids []node.ID) *Watch {
	g := &Watch{w: w, label: label, ids: ids, log: l, boots: map[node.ID]uint64{}}
	if l == Paxos {
		g.decided, g.checkedTo = map[int][]byte{}, map[*paxoslog.Log]int{}
		g.ballots = NewBallots(w, ids, func(id node.ID) *paxos.Paxos {
			if r, ok := g.replica(id); ok && r.PaxosLog() != nil {
				return r.PaxosLog().Paxos()
			}
			return nil
		})
		w.ObserveNodes(g.prefix()+"paxos log agreement", ids, g.observePaxos)
	} else {
		g.check = checker.NewConsensus()
		g.revealed = NewRevealed(w, ids, RaftReveals, raftMessageKey,
			func(id node.ID) uint64 { return g.boots[id] }, g.revealingServer)
		w.ObserveNodes(g.prefix()+"raft safety", ids, g.observeRaft)
	}
	return g
}

func (g *Watch) prefix() string {
	if g.label == "" {
		return ""
	}
	return g.label + ": "
}

// Log is the log the servers run on.
func (g *Watch) Log() Log { return g.log }

// Factory wraps a server's factory, counting its incarnations; its
// handler is watched for what it reveals on Raft (Revealed), for the
// ballot checks on Paxos (Ballots).
func (g *Watch) Factory(id node.ID, f node.Factory) node.Factory {
	return func() node.Handler {
		g.boots[id]++
		if g.ballots != nil {
			return g.ballots.Handler(id, f())
		}
		return &revealHost{g: g, id: id, h: f()}
	}
}

// revealingServer is a running server's Raft as Revealed reads it: one
// that has booted (a Raft that has not yet handled its Start holds
// nothing it restored).
func (g *Watch) revealingServer(id node.ID) (RevealingServer, bool) {
	rf, ok := g.Raft(id)
	if !ok || !g.w.Up(id) {
		return nil, false
	}
	return raftServer{rf}, true
}

// revealFailed keeps the first failure Revealed found.
func (g *Watch) revealFailed(err error) {
	if err != nil && g.revealErr == nil {
		g.revealErr = err
	}
}

// replica is the server running at id, if any.
func (g *Watch) replica(id node.ID) (Replica, bool) {
	r, ok := node.Unwrap(g.w.Handler(id)).(Replica)
	return r, ok
}

// Raft returns a running server's Raft (one that has started as id).
func (g *Watch) Raft(id node.ID) (*raft.Raft, bool) {
	if h, ok := g.w.Handler(id).(*revealHost); ok && !h.started {
		return nil, false // restarted, its Start not yet handled: its Raft is not booted (and looks like node 0's)
	}
	r, ok := g.replica(id)
	if !ok || r.Raft() == nil || r.Raft().Status().ID != id {
		return nil, false
	}
	return r.Raft(), true
}

// Paxos returns a running server's Paxos log.
func (g *Watch) Paxos(id node.ID) (*paxoslog.Log, bool) {
	if !g.w.Up(id) {
		return nil, false
	}
	r, ok := g.replica(id)
	if !ok || r.PaxosLog() == nil {
		return nil, false
	}
	return r.PaxosLog(), true
}

// RaftView is the checker's view of a systems/raft log; the caller sets
// Node and Incarnation.
func RaftView(rf *raft.Raft) checker.LogView {
	st := rf.Status()
	return checker.LogView{Term: st.Term, Leader: st.Role == raft.Leader, CommitIndex: st.CommitIndex,
		FirstIndex: st.FirstIndex, LastIndex: st.LastIndex, Entry: rf.EntryAt}
}

func (g *Watch) observeRaft() error {
	if g.revealErr != nil {
		return g.revealErr
	}
	g.views = g.views[:0]
	for _, id := range g.ids {
		rf, ok := g.Raft(id)
		if !ok {
			continue
		}
		v := RaftView(rf)
		v.Node, v.Incarnation = int(id), g.boots[id]
		g.SawSnapshot = g.SawSnapshot || v.FirstIndex > 0
		g.views = append(g.views, v)
		if v.Leader {
			if err := g.revealed.Elected(id, v.Term); err != nil {
				return err
			}
		}
	}
	return g.check.Observe(g.views)
}

func (g *Watch) observePaxos() error {
	if err := g.ballots.Check(); err != nil {
		return err
	}
	for _, id := range g.ids {
		l, ok := g.Paxos(id)
		if !ok {
			continue
		}
		from, seen := g.checkedTo[l]
		if !seen {
			from = l.SnapshotIndex() - 1 // a new incarnation: from its snapshot on
		}
		g.SawSnapshot = g.SawSnapshot || l.SnapshotIndex() > 0
		for seq := from + 1; seq < l.Applied(); seq++ {
			fate, v := l.Paxos().Status(seq)
			if fate != paxos.Decided {
				continue // forgotten: every server applied it
			}
			if first, ok := g.decided[seq]; !ok {
				g.decided[seq] = v
			} else if string(first) != string(v) {
				return fmt.Errorf("%s applied instance %d as %q, another server as %q", g.w.Name(id), seq, v, first)
			}
		}
		g.checkedTo[l] = l.Applied() - 1
	}
	return nil
}

// Leader returns the running server that believes it leads in the
// highest term, node.None if none does (always on Paxos, which has no
// leader).
func (g *Watch) Leader() node.ID {
	best, bestTerm := node.None, -1
	for _, id := range g.ids {
		if rf, ok := g.Raft(id); ok {
			if term, isLeader := rf.State(); isLeader && term > bestTerm {
				best, bestTerm = id, term
			}
		}
	}
	return best
}

// Describe says where every server stands, after the label: on Raft its
// role, term, log and commit index; on Paxos what it applied, its
// snapshot and its Paxos instances; or down.
func (g *Watch) Describe() string {
	var parts []string
	for _, id := range g.ids {
		if l, ok := g.Paxos(id); ok {
			parts = append(parts, fmt.Sprintf("%s applied %d, snapshot at %d, Paxos Min %d Max %d", g.w.Name(id), l.Applied(), l.SnapshotIndex(), l.Paxos().Min(), l.Paxos().Max()))
			continue
		}
		rf, ok := g.Raft(id)
		if !ok {
			parts = append(parts, g.w.Name(id)+" down")
			continue
		}
		st := rf.Status()
		parts = append(parts, fmt.Sprintf("%s %s term %d, log (%d, %d], commit %d", g.w.Name(id), st.Role, st.Term, st.FirstIndex, st.LastIndex, st.CommitIndex))
	}
	return g.prefix() + strings.Join(parts, "; ")
}

// PersistedSize sums, over the running servers, Raft's persisted state and
// its snapshot; on Paxos, the Paxos file and the log's snapshot.
func (g *Watch) PersistedSize() (logState, snapshots int) {
	for _, id := range g.ids {
		if l, ok := g.Paxos(id); ok {
			logState += l.Paxos().PersistedSize()
			snapshots += l.SnapshotSize()
		} else if rf, ok := g.Raft(id); ok {
			logState += rf.PersistedSize()
			snapshots += rf.SnapshotSize()
		}
	}
	return logState, snapshots
}
