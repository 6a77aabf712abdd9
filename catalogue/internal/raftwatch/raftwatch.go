// Package raftwatch watches the Raft of every server of a replicated
// service (a kv store, the shard controller, a replica group) as the
// catalogues host it: the consensus invariants after every event, each
// server's incarnations, who leads, and a line saying where every server
// stands for a run that failed for want of progress.
package raftwatch

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// Group is the Raft servers of one service.
type Group struct {
	w     *sim.World
	label string
	ids   []node.ID
	raft  func(h node.Handler) *raft.Raft
	boots map[node.ID]uint64
	check *checker.Consensus
	views []checker.LogView
	// SawSnapshot records that some server held a snapshot at some point.
	SawSnapshot bool
	paxos       *Paxos // set by WatchPaxos when the service runs on Paxos
}

// New watches the servers ids of w, whose Raft raftOf finds in a node's
// handler (nil if the handler is not a server's). label names the group
// in the observer and in Describe ("the controller", "group 1"). Build
// each server's node with Factory, so incarnations are counted.
func New(w *sim.World, label string, ids []node.ID, raftOf func(h node.Handler) *raft.Raft) *Group {
	g := &Group{w: w, label: label, ids: ids, raft: raftOf, boots: map[node.ID]uint64{}, check: checker.NewConsensus()}
	w.ObserveNodes(label+": raft safety", ids, g.observe)
	return g
}

// Factory wraps a server's factory, counting its incarnations.
func (g *Group) Factory(id node.ID, f node.Factory) node.Factory {
	return func() node.Handler { g.boots[id]++; return f() }
}

// Raft returns a running server's Raft.
func (g *Group) Raft(id node.ID) (*raft.Raft, bool) {
	rf := g.raft(g.w.Handler(id))
	if rf == nil || rf.Status().ID != id {
		return nil, false
	}
	return rf, true
}

func (g *Group) observe() error {
	g.views = g.views[:0]
	for _, id := range g.ids {
		rf, ok := g.Raft(id)
		if !ok {
			continue
		}
		st := rf.Status()
		g.SawSnapshot = g.SawSnapshot || st.FirstIndex > 0
		g.views = append(g.views, checker.LogView{Node: int(id), Incarnation: g.boots[id], Term: st.Term,
			Leader: st.Role == raft.Leader, CommitIndex: st.CommitIndex, FirstIndex: st.FirstIndex,
			LastIndex: st.LastIndex, Entry: rf.EntryAt})
	}
	return g.check.Observe(g.views)
}

// Leader returns the running server that believes it leads in the
// highest term, node.None if none does.
func (g *Group) Leader() node.ID {
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

// Describe says where every server stands: role, term, log and commit
// index, or down.
func (g *Group) Describe() string {
	var parts []string
	for _, id := range g.ids {
		if g.paxos != nil {
			if line, ok := g.paxos.describe(id); ok {
				parts = append(parts, line)
				continue
			}
		}
		rf, ok := g.Raft(id)
		if !ok {
			parts = append(parts, g.w.Name(id)+" down")
			continue
		}
		st := rf.Status()
		parts = append(parts, fmt.Sprintf("%s %s term %d, log (%d, %d], commit %d", g.w.Name(id), st.Role, st.Term, st.FirstIndex, st.LastIndex, st.CommitIndex))
	}
	return g.label + ": " + strings.Join(parts, "; ")
}

// PersistedSize sums, over the running servers, Raft's persisted state
// and its snapshot; on Paxos, the Paxos file and the log's snapshot.
func (g *Group) PersistedSize() (raftState, snapshots int) {
	if g.paxos != nil {
		for _, id := range g.ids {
			if l := g.paxos.logOf(id); l != nil {
				raftState += l.Paxos().PersistedSize()
				snapshots += l.SnapshotSize()
			}
		}
		return raftState, snapshots
	}
	for _, id := range g.ids {
		if rf, ok := g.Raft(id); ok {
			raftState += rf.PersistedSize()
			snapshots += rf.SnapshotSize()
		}
	}
	return raftState, snapshots
}
