// Package cluster deploys simlab's systems with the live runtime: a cluster
// file that names the nodes and their addresses, a server process per node
// (cmd/simlab-node), a client (cmd/simlab-kv), an admin endpoint on
// loopback for status and faults, and a state command that prints what a
// node has on disk.
//
// The systems are the ones the simulator checks, unchanged: kv is
// systems/kv on systems/raft.
package cluster
