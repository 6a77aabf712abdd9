//go:build !wasip1

// Command hashisim is simrun over the hashiguest/... catalogue: hashicorp's
// Raft as guest programs (package guests), with every flag and exit
// status of simrun. Run it from examples/hashiraft:
//
//	go run ./cmd/hashisim -list
//	go run ./cmd/hashisim -scenario hashiguest/swarm -seeds 100
package main

import (
	_ "github.com/simlab-go/simlab/examples/hashiraft/guests"
	"github.com/simlab-go/simlab/simrun"
)

func main() { simrun.Program{Name: "hashisim", Command: "go run ./cmd/hashisim"}.Main() }
