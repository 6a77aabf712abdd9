package raft

import (
	"fmt"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// Snapshot tells Raft that the service has saved its state after applying
// every entry up to index in snapshot. Raft discards the log up to index
// and stores the snapshot with its state. index must not exceed the last
// applied index; an index at or below the current snapshot is ignored.
func (r *Raft) Snapshot(env node.Env, index int, snapshot []byte) {
	if index <= r.log.base {
		return
	}
	if index > r.lastApplied {
		panic(fmt.Sprintf("raft: Snapshot at %d, beyond the last applied entry %d", index, r.lastApplied))
	}
	term, _ := r.log.term(index)
	chain, _ := r.log.chain(index)
	r.log.compact(index, term, chain)
	r.store.snapshot = slices.Clone(snapshot)
	r.rewrite(env, true)
	env.Mark(markSnapshotTaken)
}

// sendSnapshot sends follower p the snapshot. It is resent at each
// heartbeat until p acknowledges it.
func (r *Raft) sendSnapshot(env node.Env, p node.ID) {
	r.stats.SnapshotsSent++
	r.send(env, p, InstallSnapshot{Term: r.term, Leader: r.me, LastIncludedIndex: r.log.base,
		LastIncludedTerm: r.log.baseTerm, Chain: r.log.baseChain, Data: r.store.snapshot})
}

func (r *Raft) handleInstallSnapshot(env node.Env, from node.ID, m InstallSnapshot) {
	if m.Term < r.term {
		r.send(env, from, InstallSnapshotReply{Term: r.term})
		return
	}
	if m.Term > r.term || r.role != Follower || r.leader != m.Leader {
		r.becomeFollower(env, m.Term, m.Leader)
	}
	r.lastLeaderContact = env.Now()
	r.resetElectionTimer(env)
	if m.LastIncludedIndex > r.commitIndex {
		// Keep the entries after the snapshot if ours agree with it;
		// otherwise the snapshot replaces the whole log.
		r.log.compact(m.LastIncludedIndex, m.LastIncludedTerm, m.Chain)
		r.store.snapshot = slices.Clone(m.Data)
		r.rewrite(env, true)
		r.commitIndex = m.LastIncludedIndex
		r.stats.SnapshotsInstalled++
		env.Mark(markSnapshotInstalled)
		if r.lastApplied < m.LastIncludedIndex {
			r.lastApplied = m.LastIncludedIndex
			r.svc.ApplySnapshot(env, m.LastIncludedIndex, m.LastIncludedTerm, r.store.snapshot)
		}
	} else {
		env.Mark(markSnapshotStale)
	}
	r.send(env, from, InstallSnapshotReply{Term: r.term, LastIncludedIndex: m.LastIncludedIndex})
	r.applyCommitted(env)
}

func (r *Raft) handleInstallSnapshotReply(env node.Env, from node.ID, m InstallSnapshotReply) {
	if m.Term > r.term {
		r.becomeFollower(env, m.Term, node.None)
		return
	}
	if r.role != Leader || m.Term < r.term {
		return
	}
	r.lastAck[from] = env.Now()
	delete(r.awaiting, from)
	if m.LastIncludedIndex > r.matchIndex[from] {
		r.matchIndex[from] = m.LastIncludedIndex
		r.advanceCommit(env)
	}
	r.nextIndex[from] = max(r.nextIndex[from], r.matchIndex[from]+1)
	if r.nextIndex[from] <= r.log.lastIndex() {
		r.sendAppend(env, from)
	}
}
