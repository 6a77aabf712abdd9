// Package shardkv is the sharded key/value store: keys map to shards by a
// fixed function (Key2Shard), and each replica group, an rsm over Raft,
// serves the shards the shard controller (systems/shardctrler) gives it.
//
// # Reconfiguration
//
// A group's leader polls the controller every PollInterval (100 ms) for
// the configuration after its own, and only once every shard it holds is
// settled. Adopting a configuration is an entry in the group's log, so
// every replica changes at the same position: from there a shard taken
// away is no longer served (it is kept, frozen, for its new owner), and a
// shard given is served only once its data for that configuration has
// arrived. Configurations are adopted one at a time, in order.
//
// Shard states: serving; pulling (ours, its data not here yet); leaving
// (ours no more, held for the new owner to pull); collecting (arrived and
// served, the previous owner not yet told it may delete its copy). The new
// owner pulls a shard from any server of the previous owner that has
// adopted the configuration, installs it through its log (data and
// duplicate-detection table together, so a request retried across a move
// applies once), and then asks the previous owner to delete its copy,
// which it does through its own log (challenge 1: storage stays bounded
// while shards move back and forth). A shard is served as soon as it is
// installed, whatever the others of the same configuration are doing, and
// shards a configuration does not move are served throughout (challenge
// 2).
//
// A request for a shard the group does not serve at the position where
// it applies is answered ErrWrongGroup; the Clerk then asks the controller
// for the latest configuration and sends it where that says, with the
// same sequence number. Duplicate detection is per shard, in the shard's
// state (rsm.Config.StateMachineDedups), because it must move with the
// shard and because "wrong group" must not be remembered as an answer.
//
// A shard no group serves (every group left) keeps no data.
//
// The package follows the determinism rules of DESIGN.md section 13: the
// state is kept in slices and sorted maps, and what is encoded (messages,
// log entries, snapshots) holds no map.
package shardkv
