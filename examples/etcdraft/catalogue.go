// Package etcdraft hosts etcd's production Raft (go.etcd.io/raft/v3) in
// simlab nodes and registers simlab's generic Raft catalogue against it, as
// etcdraft/...: how an outside user tests a Raft simlab did not write.
//
// The host (host.go) drives etcd's RawNode from the node contract: a timer
// ticks it, arriving messages step it, and after every event each Ready is
// drained in etcd's prescribed order: entries, hard state and snapshot
// persisted to the node's disk (storage.go) and synced, then messages
// sent, then committed entries applied and the Ready advanced. At restart
// the MemoryStorage is rebuilt from the disk; snapshots compact the log;
// ReportSnapshot and ReportUnreachable get the feedback a transport would
// give. Messages travel as their protobuf encoding (wire.go). etcd draws
// its election jitter from crypto/rand, which simlab routes into each
// node's stream of the run, so every seed replays exactly.
//
// Import the package for its side effect; cmd/etcdsim is its runner.
package etcdraft

import (
	"github.com/simlab-go/simlab/catalogue/raftcat"
)

// Etcd is etcd's Raft as a raftcat.Impl. A new cluster of n servers
// bootstraps with one configuration change per server (indices 1..n), and
// every new leader appends an empty entry.
//
// PreVote is always on, as etcd's own server runs it by default: without
// it, a follower that rejects a stale candidate's vote request still
// adopts its term and restarts its election timer, so a stale server that
// keeps timing out first can hold off the one server able to win. The
// catalogue finds that: etcdraft/many-elections misses its 5 s bound on 4
// of 300 seeds with PreVote off (TestWithoutPreVoteElectionsStall).
var Etcd = raftcat.Impl{
	Name:  "etcdraft",
	Title: "etcd's Raft",
	New: func(cfg raftcat.Config, app raftcat.Applier) raftcat.Server {
		cfg.PreVote = true
		return newServer(cfg, app)
	},
	LeadIn:        func(servers int) int { return servers + 1 },
	ElectionEntry: true,
}

func init() { raftcat.Register(Etcd) }
