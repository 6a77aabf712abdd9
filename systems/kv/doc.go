// Package kv is a linearizable replicated key/value store with Get, Put and
// Append, built on a replicated state machine (systems/rsm) over Raft, and
// its clerk, the client-side component that finds the leader and retries.
//
// Every operation, reads included, goes through the Raft log, so a read is
// answered only by the leader of the term in which it committed and can
// never return a stale value from a deposed leader. Each request carries
// the clerk's id and a sequence number; the replicated dedup table in rsm
// makes a retried Put or Append take effect once.
package kv
