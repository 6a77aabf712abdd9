// Package shardkvcat is the sharded key/value store's scenario catalogue
// (shardkv/...): the classic lab's suite (static shards, join and leave,
// snapshots, missed changes, three concurrent variants, three unreliable
// ones, and both challenges: deletion of moved shards and serving during
// a change) and more (the controller faulted in the middle of changes, a
// swarm over groups and controller together). Every run checks the Raft
// of the controller and of every group after every event; on every event,
// that each answer a client receives comes from the group the answering
// server's configuration gives the key's shard (checker.ShardOwner), and
// that no client write is applied twice, by the appends' values and by
// the duplicate tables that travel with the shards (checker.ApplyOnce);
// and the clients' history with porcupine. Its document is README.md.
package shardkvcat
