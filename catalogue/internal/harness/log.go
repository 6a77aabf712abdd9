package harness

import (
	"fmt"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
)

// Log is the consensus log a replicated service's servers agree through:
// systems/raft, or a Paxos log (systems/paxoslog).
type Log int

const (
	Raft Log = iota
	Paxos
)

func (l Log) String() string {
	if l == Paxos {
		return "paxos"
	}
	return "raft"
}

// LogParam is the scenario parameter that chooses the log.
var LogParam = scenarios.Param{Name: "log", Default: "raft", Doc: "the consensus log: raft, or paxos (systems/paxoslog)"}

// WithLogParam gives every scenario of list the log parameter, after its
// own.
func WithLogParam(list []scenarios.Scenario) []scenarios.Scenario {
	for i := range list {
		list[i].Params = append(append([]scenarios.Param(nil), list[i].Params...), LogParam)
	}
	return list
}

// LogOf is the log the run asks for: Raft for a scenario without the log
// parameter; a value that is neither raft nor paxos fails the run as bad
// input.
func LogOf(c *scenarios.Case) Log {
	if !c.HasParam(LogParam.Name) {
		return Raft
	}
	switch l := c.Param(LogParam.Name); l {
	case "raft":
		return Raft
	case "paxos":
		return Paxos
	default:
		c.BadInput("log=%q: want raft or paxos", l)
		return Raft
	}
}

// MsgTypes names the log's messages a swarm profile aims faults at
// (faults.Profile.Types): the answers of a round and what ends one — a
// vote, an append's or a snapshot's answer, a vote request on Raft; a
// promise, an acceptance, a decision on Paxos — held back with a long tail
// or duplicated, so that an old answer arrives after the state it answered
// has moved on.
func (l Log) MsgTypes() []string {
	if l == Paxos {
		return TypeNames(paxos.PrepareReply{}, paxos.AcceptReply{}, paxos.Decide{})
	}
	return TypeNames(raft.RequestVoteReply{}, raft.AppendEntriesReply{}, raft.InstallSnapshotReply{}, raft.RequestVote{})
}

// TypeNames names the types of msgs as the network's faults by type match
// them (as %T prints them, "raft.RequestVote"): a swarm's Types written
// from the messages themselves, so a renamed type cannot leave a name that
// matches nothing.
func TypeNames(msgs ...any) []string {
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = fmt.Sprintf("%T", m)
	}
	return names
}

// PaxosConfig is what a server's configuration takes for this log (the
// Paxos field of kv.ServerConfig, shardctrler.ServerConfig and
// shardkv.ServerConfig): a Paxos log over the servers ids, or nil on Raft.
func (l Log) PaxosConfig(ids []node.ID) *paxoslog.Config {
	if l != Paxos {
		return nil
	}
	return &paxoslog.Config{Paxos: paxos.Config{Peers: ids}}
}
