package raft

import (
	"fmt"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// heartbeat sends every follower what it is missing (nothing, for one that
// is caught up: a heartbeat), checks the quorum and rearms the timer.
func (r *Raft) heartbeat(env node.Env) {
	if r.cfg.CheckQuorum && !r.quorumActive(env) {
		env.Logf("no quorum heard from within %v: stepping down", r.cfg.ElectionTimeoutMax)
		r.becomeFollower(env, r.term, node.None)
		return
	}
	for _, p := range r.peers {
		r.sendAppend(env, p)
	}
	r.heartbeatGen++
	r.heartbeatTime = env.SetTimer(r.cfg.HeartbeatInterval, heartbeatTick{Gen: r.heartbeatGen})
}

// quorumActive reports whether a majority (this leader included) has
// answered within the maximum election timeout. A new leader gets one
// timeout's grace.
func (r *Raft) quorumActive(env node.Env) bool {
	now := env.Now()
	if now-r.leaderSince < r.cfg.ElectionTimeoutMax {
		return true
	}
	active := 1
	for _, p := range r.peers {
		if at, ok := r.lastAck[p]; ok && now-at < r.cfg.ElectionTimeoutMax {
			active++
		}
	}
	return active >= r.majority()
}

// sendAppend sends follower p the entries from its nextIndex on, within the
// per-message caps, or the snapshot if they were compacted away, and notes
// that p owes an answer. It assumes they will arrive: a failure reply
// moves nextIndex back.
func (r *Raft) sendAppend(env node.Env, p node.ID) {
	next := r.nextIndex[p]
	r.awaiting[p] = next - 1
	if next <= r.log.base {
		r.sendSnapshot(env, p)
		return
	}
	prevTerm, _ := r.log.term(next - 1)
	m := AppendEntries{Term: r.term, Leader: r.me, PrevLogIndex: next - 1, PrevLogTerm: prevTerm, LeaderCommit: r.commitIndex}
	bytes := 0
	for i := next; i <= r.log.lastIndex() && len(m.Entries) < r.cfg.MaxEntriesPerMessage; i++ {
		e := r.log.at(i)
		if len(m.Entries) > 0 && bytes+len(e.data) > r.cfg.MaxBytesPerMessage {
			break
		}
		bytes += len(e.data)
		m.Entries = append(m.Entries, Entry{Index: i, Term: e.term, Command: e.command})
	}
	r.nextIndex[p] = next + len(m.Entries)
	r.send(env, p, m)
}

func (r *Raft) handleAppendEntries(env node.Env, from node.ID, m AppendEntries) {
	if m.Term < r.term {
		r.send(env, from, AppendEntriesReply{Term: r.term, PrevLogIndex: m.PrevLogIndex})
		return
	}
	if m.Term > r.term || r.role != Follower || r.leader != m.Leader {
		r.becomeFollower(env, m.Term, m.Leader)
	}
	r.lastLeaderContact = env.Now()
	r.resetElectionTimer(env)

	prev, prevTerm, entries := m.PrevLogIndex, m.PrevLogTerm, m.Entries
	if prev < r.log.base {
		// The start of the request is already in our snapshot, hence
		// committed and matching: skip it.
		skip := min(r.log.base-prev, len(entries))
		entries = entries[skip:]
		prev, prevTerm = r.log.base, r.log.baseTerm
		if len(entries) > 0 {
			prev = entries[0].Index - 1
			prevTerm, _ = r.log.term(prev)
		}
	}
	reply := AppendEntriesReply{Term: r.term, PrevLogIndex: m.PrevLogIndex}
	if prev > r.log.lastIndex() {
		env.Mark(markRejectLogShort)
		reply.ConflictIndex = r.log.lastIndex() + 1
		r.send(env, from, reply)
		return
	}
	if t, _ := r.log.term(prev); t != prevTerm {
		env.Mark(markRejectConflictTerm)
		reply.ConflictTerm = t
		reply.ConflictIndex = r.log.firstIndexOfTerm(prev)
		r.send(env, from, reply)
		return
	}
	firstNew := 0
	for k, e := range entries {
		if t, ok := r.log.term(e.Index); ok {
			if t == e.Term {
				continue
			}
			if e.Index <= r.commitIndex {
				panic(fmt.Sprintf("raft: leader %v in term %d would overwrite committed entry %d (term %d) with term %d",
					m.Leader, m.Term, e.Index, t, e.Term))
			}
			env.Mark(markTruncated)
			r.log.truncate(e.Index - 1)
			r.rewrite(env, false)
		}
		firstNew = e.Index
		for _, e := range entries[k:] {
			data, err := r.cfg.Codec.Encode(e.Command)
			if err != nil {
				panic(fmt.Sprintf("raft: command %T does not encode: %v", e.Command, err))
			}
			r.log.append(e.Term, e.Command, data)
		}
		break
	}
	if firstNew > 0 {
		r.appendToDisk(env, firstNew)
	}
	last := prev + len(entries)
	if m.LeaderCommit > r.commitIndex {
		r.commitIndex = max(r.commitIndex, min(m.LeaderCommit, last))
	}
	reply.Success, reply.MatchIndex = true, last
	r.send(env, from, reply) // syncs the new entries first
	r.applyCommitted(env)
}

func (r *Raft) handleAppendEntriesReply(env node.Env, from node.ID, m AppendEntriesReply) {
	if m.Term > r.term {
		r.becomeFollower(env, m.Term, node.None)
		return
	}
	if r.role != Leader || m.Term < r.term {
		return // stale
	}
	r.lastAck[from] = env.Now()
	if prev, ok := r.awaiting[from]; ok && (prev == m.PrevLogIndex || !m.Success) {
		delete(r.awaiting, from) // the answer to the latest request, or a refusal to act on
	}
	if m.Success {
		if m.MatchIndex > r.matchIndex[from] {
			r.matchIndex[from] = m.MatchIndex
			r.advanceCommit(env)
		}
		r.nextIndex[from] = max(r.nextIndex[from], r.matchIndex[from]+1)
		if r.nextIndex[from] <= r.log.lastIndex() {
			// What was appended while it was busy, or the next batch
			// of a catch-up: at once.
			r.sendAppend(env, from)
		}
		return
	}
	if m.PrevLogIndex >= r.nextIndex[from] {
		return // we have already moved back past this request
	}
	next := m.ConflictIndex
	if m.ConflictTerm > 0 {
		if i := r.log.lastIndexOfTerm(m.ConflictTerm); i > 0 {
			next = i + 1
			env.Mark(markBacktrackByTerm)
		}
	}
	next = min(max(next, r.matchIndex[from]+1, 1), r.log.lastIndex()+1)
	if next < r.nextIndex[from] {
		r.nextIndex[from] = next
		r.sendAppend(env, from)
	}
}

// advanceCommit moves commitIndex to the highest index of the current term
// that a majority holds (section 5.4.2: entries of earlier terms are
// committed only with it), then applies.
func (r *Raft) advanceCommit(env node.Env) {
	matches := make([]int, 0, len(r.peers)+1)
	matches = append(matches, r.log.lastIndex())
	for _, p := range r.peers {
		matches = append(matches, r.matchIndex[p])
	}
	slices.Sort(matches)
	n := matches[len(matches)-r.majority()]
	if n > r.commitIndex {
		if t, _ := r.log.term(n); t == r.term {
			if t, ok := r.log.term(r.commitIndex + 1); ok && t < r.term {
				env.Mark(markCommitEarlierTerm)
			}
			r.commitIndex = n
		}
	}
	r.applyCommitted(env)
}

// applyCommitted hands the service every committed entry not yet applied,
// in order. The service may call back into Raft (Start, Snapshot) while it
// applies; the loop reads the log afresh each step.
func (r *Raft) applyCommitted(env node.Env) {
	if r.applying || r.lastApplied >= r.commitIndex {
		return
	}
	// What is applied may be answered to clients at once: make sure this
	// server's own copy is durable first (a leader counts itself in the
	// majority before its append is synced).
	r.flush(env)
	r.applying = true
	defer func() { r.applying = false }()
	for r.lastApplied < r.commitIndex {
		i := r.lastApplied + 1
		e := r.log.at(i)
		r.lastApplied = i
		r.svc.ApplyCommand(env, i, e.term, e.command)
	}
}
