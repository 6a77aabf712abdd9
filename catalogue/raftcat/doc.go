// Package raftcat is the Raft catalogue, written once for any Raft.
//
// The classic lab's Raft tests and more (elections, agreement, persistence,
// Figure 8, churn, snapshots, a swarm of every fault) are scenarios over a
// small interface: an Impl builds a Server (one incarnation of one server,
// hosted in a node) that can Start a command, report its State and its Log
// for the invariant checker, Snapshot, and hand what it commits to an
// Applier. Register(impl) adds the catalogue under impl's name, so the same
// scenarios run against simlab's Raft (Simlab, registered here as raft/...)
// and against any other: examples/etcdraft registers etcd's Raft as
// etcdraft/....
//
// Every scenario runs checker.Consensus after every event (election
// safety, log matching, leader completeness, committed entries agree, commit
// index never going back within an incarnation) and the service checks, as
// it applies, that each index gets the same command on every server (also
// across snapshots) and that applied indices are contiguous. Commands are
// byte slices. Index checks count from Impl.LeadIn, the entries a cluster
// writes before the first command, and allow Impl.ElectionEntry, a new
// leader's own entry.
//
// raft/message-count stays specific to simlab's Raft: it counts its
// RequestVote, AppendEntries and InstallSnapshot messages against the lab's
// bounds, which assume Starts made together travel in one AppendEntries.
package raftcat
