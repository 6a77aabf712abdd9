// Command simlab-kv is a client of a live simlab kv cluster: get, put,
// append, and a benchmark that can check its own history. See
// docs/live.md ("Run it for real") and package live/cluster.
package main

import (
	"os"

	"github.com/simlab-go/simlab/live/cluster"
)

func main() { os.Exit(cluster.KVMain(os.Args[1:], os.Stdout, os.Stderr)) }
