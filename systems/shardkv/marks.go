package shardkv

import "github.com/simlab-go/simlab/sim/node"

// The states of the sharded store worth reaching, for coverage
// (node.Mark). The replicated store has no Env while it applies an entry,
// so it notes the marks it reaches (store.reach) and the server passes
// them on at the end of the handler call that applied the entry.
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWrongGroup = node.NewMark("shardkv/wrong-group-answered",
		"a client operation reached the log of a group that does not serve its shard now")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markServedWhilePulling = node.NewMark("shardkv/served-while-another-shard-pulls",
		"a client operation was served while the group was still pulling another shard (challenge 2)")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWriteDeduplicated = node.NewMark("shardkv/write-deduplicated",
		"a retried write was recognized by its shard's duplicate table and not applied again")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markAdoptTakes = node.NewMark("shardkv/config-adopted-taking-shards",
		"a group adopted a configuration that gives it shards another group held")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markAdoptGives = node.NewMark("shardkv/config-adopted-giving-shards",
		"a group adopted a configuration that takes shards from it for another group")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markInstalled = node.NewMark("shardkv/shard-installed",
		"a pulled shard's data and duplicate table were installed through the log")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDeleted = node.NewMark("shardkv/shard-deleted",
		"a shard handed over was deleted through the log once its new owner said it arrived")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markPullTooEarly = node.NewMark("shardkv/pull-before-owner-adopted",
		"a new owner asked for a shard before the replica it asked had adopted the configuration")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDeleteRepeated = node.NewMark("shardkv/delete-already-done",
		"a deletion request arrived for a shard the old owner had already dropped")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markNoop = node.NewMark("shardkv/noop-proposed",
		"a leader whose log ends in an earlier term's entry proposed an empty one to learn what is committed")
)

// reach notes a mark the store reached while applying; the server passes
// it to the Env (Server.Handle).
func (s *store) reach(m node.Mark) { s.marks = append(s.marks, m) }
