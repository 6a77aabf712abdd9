// Command kvnode runs one server, or a set of clients, of the key/value
// store of package kvnode: hashicorp/raft over TCP with its state in files.
// The same program runs natively and, built for wasip1, as a guest node of
// a simlab World (see package guests).
//
// Natively, three servers and clients on one machine:
//
//	kvnode -id s0 -raft 127.0.0.1:8300 -client 127.0.0.1:8400 -dir /tmp/s0 -peers s0=127.0.0.1:8300,s1=127.0.0.1:8301,s2=127.0.0.1:8302
//	(and s1, s2 likewise)
//	kvnode -clients 3 -servers 127.0.0.1:8400,127.0.0.1:8401,127.0.0.1:8402
package main

import (
	"os"

	"github.com/simlab-go/simlab/examples/hashiraft/kvnode"
)

func main() { os.Exit(kvnode.Main(os.Args[1:], os.Stdout, os.Stderr, nil)) }
