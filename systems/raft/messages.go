package raft

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// Entry is a log entry on the wire.
type Entry struct {
	Index   int
	Term    int
	Command any
}

// RequestVote asks for a vote (Figure 2), or with PreVote for a pre-vote
// that changes no state (Term is then the term the candidate would use).
type RequestVote struct {
	Term         int
	Candidate    node.ID
	LastLogIndex int
	LastLogTerm  int
	PreVote      bool
}

// RequestVoteReply answers a RequestVote.
type RequestVoteReply struct {
	Term    int // the voter's currentTerm
	ReqTerm int // the Term of the request answered
	Granted bool
	PreVote bool
}

// AppendEntries replicates entries and serves as the heartbeat.
type AppendEntries struct {
	Term         int
	Leader       node.ID
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []Entry
	LeaderCommit int
}

// AppendEntriesReply answers an AppendEntries. On success MatchIndex is
// the last index the follower now holds from the request; on failure
// ConflictTerm and ConflictIndex let the leader skip a whole term at a time.
type AppendEntriesReply struct {
	Term          int
	Success       bool
	PrevLogIndex  int // of the request answered
	MatchIndex    int
	ConflictTerm  int // 0: the follower's log is too short
	ConflictIndex int
}

// InstallSnapshot sends a snapshot to a follower behind the leader's first
// log index. Chain is the log's chain hash at LastIncludedIndex.
type InstallSnapshot struct {
	Term              int
	Leader            node.ID
	LastIncludedIndex int
	LastIncludedTerm  int
	Chain             uint64
	Data              []byte
}

// InstallSnapshotReply answers an InstallSnapshot.
type InstallSnapshotReply struct {
	Term              int
	LastIncludedIndex int
}

func (m AppendEntries) String() string {
	return fmt.Sprintf("AppendEntries{T%d %v prev=%d/%d n=%d commit=%d}", m.Term, m.Leader, m.PrevLogIndex, m.PrevLogTerm, len(m.Entries), m.LeaderCommit)
}

// electionTick and heartbeatTick are Raft's timer tags; gen tells a live
// timer from one that was superseded.
type electionTick struct{ Gen uint64 }

type heartbeatTick struct{ Gen uint64 }
