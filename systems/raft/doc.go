// Package raft is the Raft consensus algorithm of the extended Raft paper
// (Ongaro and Ousterhout, "In Search of an Understandable Consensus
// Algorithm", Figure 2 and section 7) as a library hosted inside a node.
//
// The library owns no node. A server's handler forwards its events to
// Handle, calls Start to propose a command, Snapshot to compact the log, and
// implements Service, through which Raft hands back committed commands and
// snapshots, in log order, exactly once per incarnation. Raft imports only
// sim/node and the standard library, so it runs under the simulator, under a
// hand-driven Env in a unit test (sim/node/nodetest), or under any other
// runtime that implements node.Env.
//
// What it implements:
//
//   - leader election with randomized timeouts drawn from Env.Rand, votes
//     only for candidates whose log is at least as up to date;
//   - log replication with batching (caps on entries and bytes per
//     AppendEntries): a new entry goes at once to every follower that owes
//     no answer, and what is appended while a follower is busy goes in one
//     AppendEntries when it answers (or at the next heartbeat, if a
//     request or its answer was lost); fast backtracking by conflict term
//     and conflict index; commitment of current-term entries
//     by counting replicas, and of everything before them with it;
//   - persistence: currentTerm, votedFor and the log are written and synced
//     before any message that depends on them is sent (every send goes
//     through one function that syncs first), in an append-only log with a
//     checksum per record so a torn tail is detected and dropped;
//   - snapshots: the service hands Raft a snapshot up to an applied index;
//     Raft discards the log prefix, stores snapshot and state so that a
//     crash at any point leaves either the old pair or the new one, sends
//     InstallSnapshot to followers behind its first log index, and delivers
//     received snapshots to the service in order with the entries;
//   - PreVote and CheckQuorum (Ongaro's thesis, sections 9.6 and 6.2), off
//     by default: with them, a node that was partitioned away does not
//     disrupt a stable leader when it returns, and a leader that has lost
//     its majority steps down.
//
// Each log entry also carries a chain hash over the log up to it; the
// invariant checkers of package checker use it to compare logs across
// nodes in constant time per entry.
package raft
