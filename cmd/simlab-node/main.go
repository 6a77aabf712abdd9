// Command simlab-node runs one server of a live simlab cluster: the same
// node code the simulator checks, on TCP, files and the wall clock. See
// docs/live.md ("Run it for real") and package live/cluster.
package main

import (
	"os"

	"github.com/simlab-go/simlab/live/cluster"
)

func main() { os.Exit(cluster.NodeMain(os.Args[1:], os.Stdout, os.Stderr)) }
