package cluster

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/simlab-go/simlab/live"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

func init() {
	// What crosses the wire between kv servers and clients; rsm.Command
	// and kv.Op (inside log entries) register themselves.
	live.Register(kv.Request{}, kv.Reply{}, rsm.Request{}, rsm.Reply{},
		shardkv.PullReq{}, shardkv.PullReply{}, shardkv.DeleteReq{}, shardkv.DeleteReply{},
		raft.RequestVote{}, raft.RequestVoteReply{}, raft.AppendEntries{}, raft.AppendEntriesReply{},
		raft.InstallSnapshot{}, raft.InstallSnapshotReply{})
}

// ServerOptions says where a server keeps its state and how it is run.
type ServerOptions struct {
	// Dir is the data directory; it is created at the first start.
	Dir string
	// Admin, if set, is a loopback address for the admin endpoint
	// (status and faults; see Admin).
	Admin string
	// Log receives the node's log; nil means standard error.
	Log *log.Logger
	// RestartDelay is the pause before a node restarts after a panic
	// (see live.NodeConfig); zero means 1 s.
	RestartDelay time.Duration
}

// Server is one running server of a cluster.
type Server struct {
	Name      string
	ID        node.ID
	Node      *live.Node
	Transport *live.Transport
	Faults    *live.Faults
	cfg       *Config
	admin     net.Listener
}

// factory is what node id of the cluster runs.
func (c *Config) factory(id node.ID) node.Factory {
	rc := c.raftConfig(c.peers[id])
	switch {
	case c.System == "kv":
		return kv.NewServer(kv.ServerConfig{Raft: rc, MaxRaftState: c.maxRaftState()})
	case c.gid[id] == 0:
		return shardctrler.NewServer(shardctrler.ServerConfig{Raft: rc, NShards: c.Shards, MaxRaftState: c.maxRaftState()})
	}
	return shardkv.NewServer(shardkv.ServerConfig{GID: c.gid[id], Raft: rc, Controllers: c.controllers(), NShards: c.Shards, MaxRaftState: c.maxRaftState()})
}

// raftOf is a server that hosts a Raft (every system's here).
type raftOf interface{ Raft() *raft.Raft }

// StartServer starts the named server of the cluster.
func StartServer(cfg *Config, name string, o ServerOptions) (*Server, error) {
	id, err := cfg.ID(name)
	if err != nil {
		return nil, err
	}
	// The directory first: a second process on it is refused before it
	// takes a port or dials anyone.
	lock, err := live.LockDir(o.Dir, name)
	if err != nil {
		return nil, err
	}
	s := &Server{Name: name, ID: id, Faults: &live.Faults{}, cfg: cfg}
	var deliver func(node.ID, any)
	s.Transport, err = live.NewTransport(live.TransportConfig{
		Self: id, Name: name, Listen: cfg.Nodes[id].Addr, Peers: cfg.addrs(), Key: cfg.key, Accept: cfg.accepts,
		Faults: s.Faults, Log: o.Log,
		Deliver: func(from node.ID, msg any) { deliver(from, msg) },
	})
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.Node, err = live.StartNode(live.NodeConfig{ID: id, Name: name, Dir: o.Dir, Lock: lock, Send: s.Transport.Send, Log: o.Log, RestartDelay: o.RestartDelay}, cfg.factory(id))
	if err != nil {
		s.Transport.Close()
		return nil, err
	}
	deliver = s.Node.Deliver
	if o.Admin != "" {
		if !live.IsLoopback(o.Admin) {
			s.Stop()
			return nil, fmt.Errorf("the admin endpoint %s must be on loopback: it takes faults and has no authentication", o.Admin)
		}
		s.admin, err = net.Listen("tcp", o.Admin)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("admin endpoint: %w", err)
		}
		go http.Serve(s.admin, s.adminHandler())
	}
	return s, nil
}

// AdminAddr is where the admin endpoint listens (nil without one).
func (s *Server) AdminAddr() net.Addr {
	if s.admin == nil {
		return nil
	}
	return s.admin.Addr()
}

// Stop stops the server: the node, then its connections.
func (s *Server) Stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.Node.Stop()
	s.Transport.Close()
}

// Status is what the admin endpoint says about a server.
type Status struct {
	Name string `json:"name"`
	// PID is the process that runs the node: what to signal to stop or
	// kill exactly this node.
	PID int `json:"pid"`
	// Up is false while the node is down (restarting after a panic) or
	// stopped; Stopped then says why it stopped.
	Up          bool   `json:"up"`
	Stopped     string `json:"stopped,omitempty"`
	Role        string `json:"role,omitempty"`
	Term        int    `json:"term,omitempty"`
	Leader      string `json:"leader,omitempty"`
	CommitIndex int    `json:"commitIndex,omitempty"`
	LastApplied int    `json:"lastApplied,omitempty"`
	FirstIndex  int    `json:"firstIndex,omitempty"` // the snapshot's last index
	LastIndex   int    `json:"lastIndex,omitempty"`
	// RaftMessages counts the Raft messages this incarnation sent,
	// requests and replies; AppendEntries and Entries the AppendEntries
	// among them and the entries they carried.
	RaftMessages  int    `json:"raftMessages"`
	AppendEntries int    `json:"appendEntries"`
	Entries       int    `json:"entries"`
	Uptime        string `json:"uptime"`
	Handled       int64  `json:"handled"` // handler calls
	// BusyMicros is the wall time spent in handler calls, in µs.
	BusyMicros int64               `json:"busyMicros"`
	Restarts   int64               `json:"restarts"`
	Marks      map[string]int64    `json:"marks,omitempty"`
	Transport  live.TransportStats `json:"transport"`
	Cut        []string            `json:"cut,omitempty"`
	Loss       float64             `json:"loss,omitempty"`
}

// Status returns the server's state, read inside its event loop.
func (s *Server) Status() Status {
	ns := s.Node.Stats()
	st := Status{Name: s.Name, PID: os.Getpid(), Uptime: ns.Up.Round(time.Millisecond).String(), Handled: ns.Handled, Restarts: ns.Restarts,
		BusyMicros: ns.Busy.Microseconds(),
		Marks:      ns.Marks, Transport: s.Transport.Stats(), Loss: s.Faults.Loss()}
	for _, p := range s.Faults.Cuts() {
		st.Cut = append(st.Cut, s.cfg.Name(p))
	}
	if err := s.Node.Err(); err != nil {
		st.Stopped = err.Error()
	}
	s.Node.Inspect(func(h node.Handler) {
		srv, ok := h.(raftOf)
		if !ok || srv.Raft() == nil {
			return
		}
		rs := srv.Raft().Status()
		st.Up = true
		st.Role, st.Term, st.CommitIndex, st.LastApplied, st.FirstIndex, st.LastIndex =
			rs.Role.String(), rs.Term, rs.CommitIndex, rs.LastApplied, rs.FirstIndex, rs.LastIndex
		stats := srv.Raft().Stats()
		st.RaftMessages, st.AppendEntries, st.Entries = stats.MessagesSent, stats.AppendEntriesSent, stats.EntriesSent
		if rs.Leader != node.None {
			st.Leader = s.cfg.Name(rs.Leader)
		}
	})
	return st
}
