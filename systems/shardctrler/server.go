package shardctrler

import (
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/replog"
	"github.com/simlab-go/simlab/systems/rsm"
)

// ServerConfig configures a controller server.
type ServerConfig struct {
	// Raft configures the server's Raft; Raft.Peers lists the servers.
	Raft raft.Config
	// NShards is the number of shards; zero means DefaultNShards.
	NShards int
	// Paxos, when set, replaces Raft: the servers agree through a Paxos
	// log (Paxos.Paxos.Peers lists them), and Raft is not used.
	Paxos *paxoslog.Config
	// MaxRaftState makes the server snapshot when the log's persisted
	// state reaches this many bytes; 0 never snapshots.
	MaxRaftState int
}

// Server is one controller replica: a node hosting an rsm over Raft.
type Server struct {
	st          *store
	rsm         *rsm.RSM
	replog.Logs // the log it runs on: Raft or Paxos
}

// NewServer returns the factory of a controller server.
func NewServer(cfg ServerConfig) node.Factory {
	if cfg.NShards <= 0 {
		cfg.NShards = DefaultNShards
	}
	return func() node.Handler {
		s := &Server{st: newStore(cfg.NShards)}
		s.rsm = rsm.New(rsm.Config{MaxRaftState: cfg.MaxRaftState}, s.st, func(a rsm.Applier) rsm.Consensus {
			return replog.Open(&s.Logs, cfg.Raft, cfg.Paxos, a)
		})
		return s
	}
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	if s.rsm.Handle(env, ev) {
		return
	}
	if m, ok := ev.(*node.Recv); ok {
		if req, ok := m.Msg.(rsm.Request); ok {
			s.rsm.Serve(env, m.From, req)
		}
	}
}

// Latest returns this replica's latest configuration, for inspection;
// clients query through the log.
func (s *Server) Latest() Config { return s.st.latest().Clone() }

// Configs is the number of configurations this replica holds.
func (s *Server) Configs() int { return len(s.st.configs) }
