package kvnode

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Main is the kvnode command (cmd/kvnode) on its arguments: a server with
// -id, clients without. Its servers keep their raft state in a FileStore,
// or in what open returns when it is set (how a test builds a variant of
// the command with another store). It returns the exit status.
func Main(args []string, stdout, stderr io.Writer, open func(dir string) (Store, error)) int {
	fs := flag.NewFlagSet("kvnode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "this server's raft id (a server); empty: run clients")
	peers := fs.String("peers", "", "the cluster: id=host:port of each server's raft transport, comma-separated")
	raftBind := fs.String("raft", ":8300", "the address the raft transport listens on")
	clientBind := fs.String("client", ":8400", "the address clients connect to")
	dir := fs.String("dir", "/data", "the server's data directory")
	servers := fs.String("servers", "", "clients: the servers' client addresses, comma-separated")
	clients := fs.Int("clients", 3, "clients: how many run at once")
	firstID := fs.Uint64("first-id", 1, "clients: the first client's id")
	ops := fs.Int("ops", 20, "clients: operations per client")
	keys := fs.Int("keys", 3, "clients: keys they work on")
	think := fs.Duration("think", 100*time.Millisecond, "clients: longest pause between operations")
	giveUp := fs.Duration("give-up", 3*time.Second, "clients: how long one operation is tried")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" {
		if *servers == "" || *clients < 1 || *ops < 0 || *keys < 1 || *giveUp <= 0 {
			fmt.Fprintln(stderr, "kvnode: clients need -servers, -clients ≥ 1, -ops ≥ 0, -keys ≥ 1 and -give-up > 0")
			return 2
		}
		RunClients(ClientConfig{Servers: strings.Split(*servers, ","), Clients: *clients, FirstID: *firstID,
			Ops: *ops, Keys: *keys, Think: *think, GiveUp: *giveUp, Out: stdout})
		fmt.Fprintln(stdout, "done")
		return 0
	}
	ps, err := ParsePeers(*peers)
	if err != nil {
		fmt.Fprintln(stderr, "kvnode: -peers:", err)
		return 2
	}
	cfg := ServerConfig{ID: *id, Peers: ps, RaftBind: *raftBind, ClientBind: *clientBind, Dir: *dir, LogOutput: stderr}
	if open != nil {
		cfg.Store, err = open(*dir)
	}
	if err == nil {
		err = Serve(cfg)
	}
	if errors.As(err, new(*DamageError)) {
		// The one line a harness (or an operator) looks for: the node
		// refuses to start rather than forget what it synced.
		fmt.Fprintln(stdout, "refused:", err)
		return ExitDamaged
	}
	fmt.Fprintln(stderr, "kvnode:", err)
	return 1
}

// ExitDamaged is the exit status of a server that refuses to start over
// damaged state (a *DamageError): an operator restores its data directory
// from a healthy peer (or removes the server from the cluster and adds a
// fresh one) rather than restart it as it is.
const ExitDamaged = 3
