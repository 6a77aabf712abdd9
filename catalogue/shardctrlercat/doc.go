// Package shardctrlercat is the shard controller's scenario catalogue
// (shardctrler/...): the classic lab's controller tests (joins and leaves
// keeping server lists, historical queries with each server down in turn,
// moves, concurrent clerks, minimal transfers, a new leader's view) and
// runs under partitions and crashes whose histories porcupine checks
// against a model of the controller. Every run watches the controller's
// Raft after every event. Its document is README.md.
package shardctrlercat
