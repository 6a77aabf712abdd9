// Package paxos is instance-based Paxos (Lamport's "Paxos Made Simple"),
// event-driven as a library inside a simlab node: peers agree, instance by
// instance, on one value per sequence number.
//
// The interface is the classic one:
//
//   - Start(env, seq, v) proposes v for instance seq and returns at once;
//     agreement proceeds as messages and timers arrive at Handle.
//   - Status(seq) says whether seq is Decided (with the value), Pending, or
//     Forgotten.
//   - Done(env, seq) says this peer no longer needs instances ≤ seq.
//   - Min() is one more than the least Done of every peer, as this peer has
//     heard it (every message carries its sender's Done); instances below
//     Min are forgotten and their memory and disk space given back.
//   - Max() is the highest instance this peer has seen.
//
// Acceptor state (the highest promise, the accepted proposal and value of
// each instance) lives on the node's disk and is synced before any promise
// or acceptance leaves the node, so a peer that crashes and restarts keeps
// every promise it made. Decisions and this peer's Done are written too,
// unsynced: losing them costs a round of proposing, never safety.
//
// Proposal numbers are unique per peer: round × peers + index + 1. A
// proposer first asks a bare majority (itself and the peers after it), and
// after a timeout or a refusal asks everyone, so an uncontended agreement
// among three peers takes six messages. Decisions are sent to every peer; a
// peer that missed one learns it by proposing, from an acceptor that knows
// the decision and says so.
package paxos
