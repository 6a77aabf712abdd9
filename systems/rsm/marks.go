package rsm

import "github.com/simlab-go/simlab/sim/node"

// The states of the replicated state machine worth reaching, for coverage
// (node.Mark).
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDuplicateAnswered = node.NewMark("rsm/duplicate-answered-at-submit",
		"a retried request already applied was answered from the duplicate table without a new entry")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDuplicateApplied = node.NewMark("rsm/duplicate-entry-skipped",
		"a request committed twice (a retry through a new leader) was applied once, its second entry skipped")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markSlotTaken = node.NewMark("rsm/pending-slot-overwritten",
		"a new leader proposed at an index a submission of an older term was waiting for")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLostToOtherEntry = node.NewMark("rsm/pending-lost-to-other-entry",
		"a waiting submission's index committed another client's entry: the leader had lost leadership")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLostLeadership = node.NewMark("rsm/pending-failed-on-leadership-change",
		"submissions were failed with ErrLostLeadership because the replica stopped leading their term")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markPendingUnderSnapshot = node.NewMark("rsm/pending-covered-by-snapshot",
		"an installed snapshot covered the index of a waiting submission")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markSnapshotted = node.NewMark("rsm/snapshot-taken",
		"the state machine was snapshotted because the Raft state reached MaxRaftState")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRestored = node.NewMark("rsm/snapshot-restored",
		"the state machine was restored from a snapshot")
)
