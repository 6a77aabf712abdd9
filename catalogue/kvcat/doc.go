// Package kvcat is the kv/... catalogue: the linearizable key/value store (systems/kv) on
// Raft. Every scenario records every client operation and checks the
// history with porcupine (checker.KVModel), runs the consensus invariants
// after every event, and requires the clients' last operations to complete
// within a bound once the faults end. Times are virtual.
//
// Import it for its side effect (init registers the scenarios); the
// catalogue package links it with every other.
package kvcat
