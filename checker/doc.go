// Package checker judges runs. It has two kinds of check.
//
// Invariants are checked as a run goes: Consensus watches the logs of a
// Raft-style group after every event (election safety, log matching,
// leader completeness, agreement of committed entries, a commit index that
// never goes back) and, through Applied, state machine safety where
// commands are applied. Revealed and Ballots see a mistake where it starts
// rather than where it shows: what a Raft server or a Paxos acceptor told
// another must survive its crash, and a Paxos proposer's phase 2 value
// must be the one its promises allow (P2c) and any chosen one (P2b).
// ViewRules, PrimaryBackup and AtMostOnce hold a view service and its
// primary/backup servers to the lab's rules at every message; ShardOwner
// and ApplyOnce give a sharded store one owner per shard per
// configuration and one application per write.
//
// Histories are checked for linearizability once a run ends. A Recorder
// collects the operations clients issue and the answers they get, with
// virtual times and, through Locate, the server that answered each one;
// CheckLinearizable hands the history to porcupine with a model (KVModel,
// VersionedKVModel, or any porcupine.Model). An operation never answered is
// checked as one that may or may not have happened, and a search that runs
// out of time is Unknown, never a pass. A Result explains where a history
// breaks (Explain), lays the checked history out as data for a report
// (View: every operation, and per key the longest order found with the
// model's state after each step), and writes porcupine's own visualization
// with a run's faults drawn on it (WriteHTML).
//
// Checkers work on plain views of a system's state (LogView, Op) rather
// than on the system's types, so each can be tested on hand-built states
// that break exactly the property it guards, and so one checker serves
// every implementation of an algorithm.
package checker
