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
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/simlab-go/simlab/examples/hashiraft/kvnode"
)

func main() {
	id := flag.String("id", "", "this server's raft id (a server); empty: run clients")
	peers := flag.String("peers", "", "the cluster: id=host:port of each server's raft transport, comma-separated")
	raftBind := flag.String("raft", ":8300", "the address the raft transport listens on")
	clientBind := flag.String("client", ":8400", "the address clients connect to")
	dir := flag.String("dir", "/data", "the server's data directory")
	servers := flag.String("servers", "", "clients: the servers' client addresses, comma-separated")
	clients := flag.Int("clients", 3, "clients: how many run at once")
	firstID := flag.Uint64("first-id", 1, "clients: the first client's id")
	ops := flag.Int("ops", 20, "clients: operations per client")
	keys := flag.Int("keys", 3, "clients: keys they work on")
	think := flag.Duration("think", 100*time.Millisecond, "clients: longest pause between operations")
	giveUp := flag.Duration("give-up", 3*time.Second, "clients: how long one operation is tried")
	flag.Parse()
	if *id == "" {
		if *servers == "" || *clients < 1 || *ops < 0 || *keys < 1 {
			fmt.Fprintln(os.Stderr, "kvnode: clients need -servers, -clients ≥ 1, -ops ≥ 0 and -keys ≥ 1")
			os.Exit(2)
		}
		kvnode.RunClients(kvnode.ClientConfig{Servers: strings.Split(*servers, ","), Clients: *clients, FirstID: *firstID,
			Ops: *ops, Keys: *keys, Think: *think, GiveUp: *giveUp, Out: os.Stdout})
		fmt.Println("done")
		return
	}
	ps, err := kvnode.ParsePeers(*peers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvnode: -peers:", err)
		os.Exit(2)
	}
	err = kvnode.Serve(kvnode.ServerConfig{ID: *id, Peers: ps, RaftBind: *raftBind, ClientBind: *clientBind, Dir: *dir, LogOutput: os.Stderr})
	fmt.Fprintln(os.Stderr, "kvnode:", err)
	os.Exit(1)
}
