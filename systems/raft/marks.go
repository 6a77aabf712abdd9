package raft

import "github.com/simlab-go/simlab/sim/node"

// The states of Raft worth reaching, for coverage (node.Mark). Each is a
// branch of the protocol that a quiet run never takes, and that a bug in
// the branch needs a run to take.
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLeaderOverUncommitted = node.NewMark("raft/leader-elected-over-uncommitted",
		"a leader was elected holding entries beyond its commitIndex, which it may commit only through an entry of its own term")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markCommitEarlierTerm = node.NewMark("raft/commit-earlier-term-entries",
		"a leader committed entries of earlier terms by committing one of its own term (section 5.4.2, Figure 8)")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLeaderSteppedDown = node.NewMark("raft/leader-stepped-down",
		"a leader saw a higher term and became a follower")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRejectConflictTerm = node.NewMark("raft/append-rejected-conflict-term",
		"a follower rejected AppendEntries because its entry at prevLogIndex has another term")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRejectLogShort = node.NewMark("raft/append-rejected-log-short",
		"a follower rejected AppendEntries because its log ends before prevLogIndex")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markBacktrackByTerm = node.NewMark("raft/backtrack-by-conflict-term",
		"a leader moved nextIndex back past a whole conflicting term it also holds")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markTruncated = node.NewMark("raft/log-truncated",
		"a follower cut off uncommitted entries that conflict with the leader's")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markSnapshotTaken = node.NewMark("raft/snapshot-taken",
		"the service snapshotted and Raft compacted its log")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markSnapshotInstalled = node.NewMark("raft/snapshot-installed",
		"a follower installed a leader's snapshot")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markSnapshotStale = node.NewMark("raft/snapshot-stale",
		"a follower received a snapshot it had already passed and kept its log")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markVoteDeniedLog = node.NewMark("raft/vote-denied-log-behind",
		"a vote was refused because the candidate's log is not up to date")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markVoteIgnoredLease = node.NewMark("raft/vote-ignored-in-lease",
		"a follower in touch with a live leader ignored a candidate's higher term (CheckQuorum)")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markPreVoteDenied = node.NewMark("raft/prevote-denied",
		"a pre-vote was refused, so a node that was cut off did not raise the term")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRestartWithLog = node.NewMark("raft/restart-with-log",
		"a server restarted and recovered entries from its disk")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markTornTail = node.NewMark("raft/torn-tail-dropped",
		"a restarted server found a torn record at the end of its log and dropped it")
)
