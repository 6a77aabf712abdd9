// Package shardctrler is the shard controller of the sharded key/value
// store (systems/shardkv): a replicated configuration service, an rsm over
// Raft, that says which replica group serves each shard.
//
// A configuration is numbered and never changes once made: number 0 has
// no groups and every shard unassigned, and every Join, Leave or Move
// makes the next one. Join adds groups (each a GID and its servers) and
// Leave removes some; both rebalance so that the groups' shard counts
// differ by at most one while moving the fewest shards possible: only
// shards of groups above their new share, or of no group, move. Move
// hands one shard to one group and rebalances nothing. Query returns
// configuration n, or the latest for -1 (or any n past it).
//
// The rebalancing is a pure function of the configuration and the
// operation, with no map iteration anywhere, so every replica computes the
// same next configuration. The shard count is a parameter (the classic lab
// uses 10).
//
// Servers are built with NewServer; clients embed a Clerk. The package
// follows the determinism rules of DESIGN.md section 13.
package shardctrler
