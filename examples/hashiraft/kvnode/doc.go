// Package kvnode is the key/value store of package hashiraft as a server
// program: hashicorp/raft with its real NetworkTransport over TCP
// connections, its log and stable store on files (FileStore), its
// snapshots in raft's FileSnapshotStore, and clients that talk to it over
// TCP too. Its sockets come from simlab's guest package simnet, so the
// same program (cmd/kvnode) runs on a real machine, over loopback, and in
// simlab as guest nodes of a World, where the World's faults (partitions,
// crashes, torn writes) act on its connections and files.
//
// A client prints each operation it calls and what it got back, one line
// each (see History), which is how a harness builds the history that
// porcupine checks.
package kvnode
