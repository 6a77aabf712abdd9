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
	"fmt"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"
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
	Classify:      classify,
	Reveals:       reveals,
}

// reveals says what an etcd message tells of its sender's durable state
// (raftcat.Reveal): the term of every message but a pre-vote's (which asks
// about a term the candidate has not taken), a vote granted in a real
// election, and the log prefix an accepted append acknowledges.
func reveals(msg any) raftcat.Reveal {
	w, ok := msg.(wire)
	if !ok {
		return raftcat.Reveal{}
	}
	m, err := w.decode()
	if err != nil {
		return raftcat.Reveal{}
	}
	term := int(m.GetTerm())
	switch m.GetType() {
	case pb.MsgPreVote, pb.MsgPreVoteResp:
		return raftcat.Reveal{}
	case pb.MsgVoteResp:
		if !m.GetReject() {
			return raftcat.Reveal{Term: term, VoteTerm: term}
		}
	case pb.MsgAppResp:
		if !m.GetReject() {
			return raftcat.Reveal{Term: term, Ack: int(m.GetIndex())}
		}
	}
	return raftcat.Reveal{Term: term}
}

// classify names an etcd message by its type (MsgApp, MsgAppResp, …): every
// message crosses the network as the same wire type. A MsgAppResp with
// Reject set is a follower refusing the leader's entries. It runs on every
// delivery, so it reads the two fields it needs off the encoding and skips
// the rest (entries, snapshots) rather than decode the whole message.
func classify(msg any) (string, bool) {
	w, ok := msg.(wire)
	if !ok {
		return fmt.Sprintf("%T", msg), false
	}
	var typ pb.MessageType
	var reject bool
	for b := w.Data; len(b) > 0; {
		num, kind, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "undecodable wire", false
		}
		b = b[n:]
		if kind == protowire.VarintType && (num == typeField || num == rejectField) {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return "undecodable wire", false
			}
			b = b[n:]
			if num == typeField {
				typ = pb.MessageType(v)
			} else {
				reject = v != 0
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, kind, b)
		if n < 0 {
			return "undecodable wire", false
		}
		b = b[n:]
	}
	return typ.String(), typ == pb.MessageType_MsgAppResp && reject
}

// The field numbers of raftpb.Message's type and reject.
const (
	typeField   protowire.Number = 1
	rejectField protowire.Number = 10
)

func init() { raftcat.Register(Etcd) }
