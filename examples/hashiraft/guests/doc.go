//go:build !wasip1

// Package guests runs the servers of package kvnode (hashicorp/raft with
// its NetworkTransport over TCP and its log on files) as guest programs of
// a simlab World: each server is the kvnode binary built for wasip1, one
// instance per incarnation, its sockets streams over the World's network,
// its files on the node's disk; the clients are one more guest, whose
// printed history porcupine checks. It registers the scenarios
// hashiguest/..., which cmd/hashisim runs with every flag of simrun:
// schedules, -faults, -minimize, -check-determinism, traces and reports
// apply to guests as to simlab's own systems.
package guests
