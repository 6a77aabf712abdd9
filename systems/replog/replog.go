// Package replog is the choice of the log a replicated state machine
// (package rsm) runs on: simlab's Raft, or Multi-Paxos (package paxoslog).
// The kv, shardctrler and shardkv servers embed Logs, so each takes the
// choice from its configuration in one line and answers Raft() and
// PaxosLog() for the checkers that watch it.
package replog

import (
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/rsm"
)

// Logs is the log one incarnation of a server runs on: one of the two is
// set, by Open.
type Logs struct {
	rf *raft.Raft
	pl *paxoslog.Log
}

// Open makes the log of l for a: Multi-Paxos with paxos when paxos is
// set, Raft with raftCfg otherwise. A server calls it from the function
// rsm.New takes.
func Open(l *Logs, raftCfg raft.Config, paxos *paxoslog.Config, a rsm.Applier) rsm.Consensus {
	if paxos != nil {
		l.pl = paxoslog.New(*paxos, a)
		return l.pl
	}
	l.rf = raft.New(raftCfg, a)
	return l.rf
}

// Raft returns the server's Raft, for inspection; nil on Paxos.
func (l *Logs) Raft() *raft.Raft { return l.rf }

// PaxosLog returns the server's Paxos log, for inspection; nil on Raft.
func (l *Logs) PaxosLog() *paxoslog.Log { return l.pl }
