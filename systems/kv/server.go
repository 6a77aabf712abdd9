package kv

import (
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/replog"
	"github.com/simlab-go/simlab/systems/rsm"
)

// ServerConfig configures a server.
type ServerConfig struct {
	// Raft configures the server's Raft; Raft.Peers lists the servers.
	Raft raft.Config
	// Paxos, when set, replaces Raft: the servers agree through a Paxos
	// log (Paxos.Paxos.Peers lists them), and Raft is not used.
	Paxos *paxoslog.Config
	// MaxRaftState makes the server snapshot when the log's persisted
	// state (for Paxos: the entries applied since the last snapshot)
	// reaches this many bytes; 0 never snapshots.
	MaxRaftState int
}

// Server is one key/value replica: a node hosting an rsm over Raft.
type Server struct {
	st          *store
	rsm         *rsm.RSM
	replog.Logs // the log it runs on: Raft or Paxos
}

// NewServer returns the factory of a server.
func NewServer(cfg ServerConfig) node.Factory {
	if cfg.Raft.Codec == nil {
		cfg.Raft.Codec = codec{}
	}
	paxos := cfg.Paxos
	if paxos != nil && paxos.Codec == nil {
		p := *paxos
		p.Codec = codec{}
		paxos = &p
	}
	return func() node.Handler {
		s := &Server{st: newStore()}
		s.rsm = rsm.New(rsm.Config{MaxRaftState: cfg.MaxRaftState}, s.st, func(a rsm.Applier) rsm.Consensus {
			return replog.Open(&s.Logs, cfg.Raft, paxos, a)
		})
		return s
	}
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	if s.rsm.Handle(env, ev) {
		return
	}
	m, ok := ev.(*node.Recv)
	if !ok {
		return
	}
	req, ok := m.Msg.(Request)
	if !ok {
		return
	}
	from := m.From
	s.rsm.Submit(env, req.ClientID, req.Seq, req.Op, func(env node.Env, result any, err error) {
		reply := Reply{ClientID: req.ClientID, Seq: req.Seq}
		if err != nil {
			reply.Err = ErrWrongLeader
		} else {
			reply.Value = result.(string)
		}
		env.Send(from, reply)
	})
}

// Peek returns the value of key in this replica's state, for inspection
// and tests; clients read through the log.
func (s *Server) Peek(key string) string { return s.st.data[key] }

// Keys lists the keys of this replica's state in order, for inspection
// (with Peek); clients read through the log.
func (s *Server) Keys() []string { return node.SortedKeys(s.st.data) }
