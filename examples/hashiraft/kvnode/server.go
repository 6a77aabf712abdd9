package kvnode

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/simlab-go/simlab/examples/hashiraft"
	"github.com/simlab-go/simlab/guest/simnet"
)

// Peer is one server of the cluster: its raft id and the address its
// raft transport listens on.
type Peer struct {
	ID   string
	Addr string
}

// ParsePeers parses "s0=s0:8300,s1=s1:8300".
func ParsePeers(s string) ([]Peer, error) {
	var peers []Peer
	for _, p := range strings.Split(s, ",") {
		id, addr, ok := strings.Cut(p, "=")
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("peer %q: want id=host:port", p)
		}
		if _, _, err := splitAddr(addr); err != nil {
			return nil, fmt.Errorf("peer %q: %v", p, err)
		}
		peers = append(peers, Peer{ID: id, Addr: addr})
	}
	return peers, nil
}

func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

// Store is what a server keeps raft's log and state in.
type Store interface {
	raft.LogStore
	raft.StableStore
}

// ServerConfig configures a server.
type ServerConfig struct {
	ID    string // this server's raft id, one of Peers
	Peers []Peer // the cluster; every server bootstraps with the same list
	// RaftBind is the address the raft transport listens on (":8300"); its
	// advertised address is this server's in Peers.
	RaftBind string
	// ClientBind is the address clients connect to (":8400").
	ClientBind string
	// Dir holds the server's files: the raft log and stable store, and
	// the snapshots.
	Dir string
	// Store, when set, replaces the FileStore opened in Dir.
	Store Store
	// LogOutput receives raft's log (at Warn and above); nil discards it.
	LogOutput io.Writer
}

// Serve runs a server until its raft shuts down or a listener fails.
func Serve(cfg ServerConfig) error {
	var advertise string
	var servers []raft.Server
	for _, p := range cfg.Peers {
		if p.ID == cfg.ID {
			advertise = p.Addr
		}
		servers = append(servers, raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	if advertise == "" {
		return fmt.Errorf("server %q is not one of the peers", cfg.ID)
	}
	out := cfg.LogOutput
	if out == nil {
		out = io.Discard
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: out, Level: hclog.Warn, TimeFn: time.Now})
	store := cfg.Store
	if store == nil {
		fs, err := OpenFileStore(filepath.Join(cfg.Dir, "raft"), FileStoreOptions{})
		if err != nil {
			return err
		}
		store = fs
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, logger)
	if err != nil {
		return err
	}
	layer, err := newStreamLayer(cfg.RaftBind, advertise)
	if err != nil {
		return err
	}
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{Stream: layer, MaxPool: 3, Timeout: 500 * time.Millisecond, Logger: logger})
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(cfg.ID)
	conf.Logger = logger
	conf.HeartbeatTimeout = 200 * time.Millisecond
	conf.ElectionTimeout = 200 * time.Millisecond
	conf.LeaderLeaseTimeout = 100 * time.Millisecond
	conf.CommitTimeout = 10 * time.Millisecond
	conf.SnapshotThreshold = 64
	conf.TrailingLogs = 32
	conf.SnapshotInterval = 500 * time.Millisecond
	has, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return err
	}
	if !has {
		if err := raft.BootstrapCluster(conf, store, store, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
			return err
		}
	}
	fsm := hashiraft.NewFSM()
	r, err := raft.NewRaft(conf, fsm, store, store, snaps, trans)
	if err != nil {
		return err
	}
	l, err := simnet.Listen(cfg.ClientBind)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go handle(r, c)
	}
}

// Request is a client's request, one JSON line.
type Request struct {
	Op     hashiraft.Op `json:"op"`
	Key    string       `json:"key"`
	Value  string       `json:"value,omitempty"`
	Client uint64       `json:"client"`
	Seq    uint64       `json:"seq"`
}

// Reply is the server's answer, one JSON line: the key's value after the
// command, or why it was not applied here.
type Reply struct {
	Value string `json:"value"`
	Err   string `json:"err,omitempty"`
}

// ErrNotLeader is Reply.Err of a server that is not the leader.
const ErrNotLeader = "not leader"

// handle serves one client connection: each request goes through raft's
// log (reads too, so they are linearizable).
func handle(r *raft.Raft, c net.Conn) {
	defer c.Close()
	in := bufio.NewReader(c)
	enc := json.NewEncoder(c)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			return
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			enc.Encode(Reply{Err: "bad request: " + err.Error()})
			return
		}
		if err := enc.Encode(apply(r, req)); err != nil {
			return
		}
	}
}

func apply(r *raft.Raft, req Request) Reply {
	if r.State() != raft.Leader {
		return Reply{Err: ErrNotLeader}
	}
	cmd, _ := json.Marshal(hashiraft.Command{Op: req.Op, Key: req.Key, Value: req.Value, Client: req.Client, Seq: req.Seq})
	f := r.Apply(cmd, time.Second)
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return Reply{Err: ErrNotLeader}
		}
		return Reply{Err: err.Error()}
	}
	res, ok := f.Response().(hashiraft.Result)
	if !ok {
		return Reply{Err: fmt.Sprintf("unexpected response %T", f.Response())}
	}
	return Reply{Value: res.Value}
}
