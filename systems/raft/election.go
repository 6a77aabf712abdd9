package raft

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// resetElectionTimer arms a new randomized election timeout, superseding
// the current one.
func (r *Raft) resetElectionTimer(env node.Env) {
	if r.electionTimer != 0 {
		env.StopTimer(r.electionTimer)
	}
	r.electionGen++
	d := env.Rand().Duration(r.cfg.ElectionTimeoutMin, r.cfg.ElectionTimeoutMax)
	r.electionTimer = env.SetTimer(d, electionTick{Gen: r.electionGen})
}

// electionTimeout starts a (pre-)election unless this server leads.
func (r *Raft) electionTimeout(env node.Env) {
	r.electionTimer = 0
	if r.role == Leader {
		return
	}
	if r.cfg.PreVote {
		r.becomePreCandidate(env)
	} else {
		r.becomeCandidate(env)
	}
}

// becomeFollower steps down to follower in term, forgetting the vote if
// the term is new.
func (r *Raft) becomeFollower(env node.Env, term int, leader node.ID) {
	wasLeader := r.role == Leader
	if term > r.term {
		r.term, r.votedFor = term, node.None
		r.saveMeta(env)
	}
	r.role, r.leader = Follower, leader
	if wasLeader {
		env.Mark(markLeaderSteppedDown)
		r.heartbeatGen++ // the heartbeat timer of the old reign is dead
		if r.heartbeatTime != 0 {
			env.StopTimer(r.heartbeatTime)
			r.heartbeatTime = 0
		}
		r.resetElectionTimer(env)
	}
}

func (r *Raft) becomePreCandidate(env node.Env) {
	r.role, r.leader = PreCandidate, node.None
	r.votes = map[node.ID]bool{r.me: true}
	r.resetElectionTimer(env)
	r.requestVotes(env, true)
}

func (r *Raft) becomeCandidate(env node.Env) {
	r.role, r.leader = Candidate, node.None
	r.term++
	r.votedFor = r.me
	r.saveMeta(env)
	r.votes = map[node.ID]bool{r.me: true}
	r.resetElectionTimer(env)
	if len(r.votes) >= r.majority() {
		r.becomeLeader(env)
		return
	}
	r.requestVotes(env, false)
}

func (r *Raft) requestVotes(env node.Env, pre bool) {
	term := r.term
	if pre {
		term++
	}
	req := RequestVote{Term: term, Candidate: r.me, LastLogIndex: r.log.lastIndex(), LastLogTerm: r.log.lastTerm(), PreVote: pre}
	for _, p := range r.peers {
		r.send(env, p, req)
	}
}

// upToDate reports whether a candidate's log is at least as up to date as
// this server's (section 5.4.1): a later last term, or the same last term
// and at least as long.
func (r *Raft) upToDate(lastIndex, lastTerm int) bool {
	if lastTerm != r.log.lastTerm() {
		return lastTerm > r.log.lastTerm()
	}
	return lastIndex >= r.log.lastIndex()
}

// inLease reports whether this server has heard from a current leader
// within the minimum election timeout, or is the leader itself.
func (r *Raft) inLease(env node.Env) bool {
	if r.role == Leader {
		return true
	}
	return r.leader != node.None && r.lastLeaderContact >= 0 &&
		env.Now()-r.lastLeaderContact < r.cfg.ElectionTimeoutMin
}

func (r *Raft) handleRequestVote(env node.Env, from node.ID, m RequestVote) {
	reply := RequestVoteReply{ReqTerm: m.Term, PreVote: m.PreVote}
	if m.PreVote {
		// A pre-vote changes nothing here: grant it if a real vote in
		// that term could be granted and no leader is alive.
		reply.Term = r.term
		reply.Granted = m.Term > r.term && r.upToDate(m.LastLogIndex, m.LastLogTerm) && !r.inLease(env)
		if !reply.Granted {
			env.Mark(markPreVoteDenied)
		}
		r.send(env, from, reply)
		return
	}
	if m.Term > r.term && r.cfg.CheckQuorum && r.inLease(env) {
		// Leader lease: a live leader's followers ignore candidates,
		// so a node that was cut off cannot depose it.
		env.Mark(markVoteIgnoredLease)
		return
	}
	if m.Term > r.term {
		r.becomeFollower(env, m.Term, node.None)
	}
	reply.Term = r.term
	if m.Term == r.term && (r.votedFor == node.None || r.votedFor == m.Candidate) && r.upToDate(m.LastLogIndex, m.LastLogTerm) {
		if r.votedFor != m.Candidate {
			r.votedFor = m.Candidate
			r.saveMeta(env)
		}
		reply.Granted = true
		r.resetElectionTimer(env)
	} else if m.Term == r.term && !r.upToDate(m.LastLogIndex, m.LastLogTerm) {
		env.Mark(markVoteDeniedLog)
	}
	r.send(env, from, reply) // syncs the vote first
}

func (r *Raft) handleRequestVoteReply(env node.Env, from node.ID, m RequestVoteReply) {
	if m.Term > r.term {
		r.becomeFollower(env, m.Term, node.None)
		return
	}
	switch {
	case m.PreVote && r.role == PreCandidate && m.ReqTerm == r.term+1 && m.Granted:
		r.votes[from] = true
		if len(r.votes) >= r.majority() {
			r.becomeCandidate(env)
		}
	case !m.PreVote && r.role == Candidate && m.ReqTerm == r.term && m.Granted:
		r.votes[from] = true
		if len(r.votes) >= r.majority() {
			r.becomeLeader(env)
		}
	}
}

func (r *Raft) becomeLeader(env node.Env) {
	r.role, r.leader = Leader, r.me
	r.leaderSince = env.Now()
	if r.electionTimer != 0 {
		env.StopTimer(r.electionTimer)
		r.electionTimer = 0
	}
	r.electionGen++
	r.nextIndex = map[node.ID]int{}
	r.matchIndex = map[node.ID]int{r.me: r.log.lastIndex()}
	r.lastAck = map[node.ID]time.Duration{}
	r.awaiting = map[node.ID]int{}
	for _, p := range r.peers {
		r.nextIndex[p] = r.log.lastIndex() + 1
		r.matchIndex[p] = 0
	}
	env.Logf("leader of term %d, log (%d, %d]", r.term, r.log.base, r.log.lastIndex())
	if r.log.lastIndex() > r.commitIndex {
		env.Mark(markLeaderOverUncommitted)
	}
	r.heartbeat(env)
	r.advanceCommit(env) // a cluster of one commits alone
}
