// Command simlab-kv is a client of a live simlab kv cluster: get, put,
// append, and a benchmark that can check its own history. See "Run it for
// real" in the README, and package live/cluster.
package main

import (
	"os"

	"github.com/simlab-go/simlab/live/cluster"
)

func main() { os.Exit(cluster.KVMain(os.Args[1:], os.Stdout, os.Stderr)) }
