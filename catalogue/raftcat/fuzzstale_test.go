package raftcat

import (
	"testing"

	"pgregory.net/rapid"
)

// FuzzStaleVoteRaftSchedules is FuzzRaftSchedules over the Raft that counts
// a stale vote (search_test.go): what Go's coverage-guided fuzzer, driving
// the fuzz target's property, needs to find that bug (docs/finding-bugs.md,
// "Search that keeps what is rare"). Without -fuzz it runs its seed corpus
// only, which does not fail.
func FuzzStaleVoteRaftSchedules(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(swarmProperty(staleVoteSwarm())))
}
