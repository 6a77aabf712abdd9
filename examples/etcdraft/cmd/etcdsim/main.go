// Command etcdsim is simrun over the etcdraft/... catalogue (etcd's Raft in
// simlab) and raft/... (simlab's own Raft, the same scenarios), with every
// flag and exit status of simrun. Run it from examples/etcdraft:
//
//	go run ./cmd/etcdsim -list
//	go run ./cmd/etcdsim -scenario 'etcdraft/*' -seeds 300 -check-determinism
package main

import (
	_ "github.com/simlab-go/simlab/examples/etcdraft"
	"github.com/simlab-go/simlab/simrun"
)

func main() { simrun.Program{Name: "etcdsim", Command: "go run ./cmd/etcdsim"}.Main() }
