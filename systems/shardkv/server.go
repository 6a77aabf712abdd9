package shardkv

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/replog"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// DefaultPollInterval is how often a group's leader asks the controller
// for the next configuration and retries pulls and deletions.
const DefaultPollInterval = 100 * time.Millisecond

// ServerConfig configures a server of one replica group.
type ServerConfig struct {
	// GID is the group's id, as the controller knows it.
	GID int
	// Raft configures the group's Raft; Raft.Peers lists its servers.
	Raft raft.Config
	// Controllers are the shard controller's servers.
	Controllers []node.ID
	// NShards is the controller's shard count; zero means
	// shardctrler.DefaultNShards.
	NShards int
	// Paxos, when set, replaces Raft: the group's servers agree through a
	// Paxos log (Paxos.Paxos.Peers lists them), and Raft is not used.
	// Every server then drives configuration changes and transfers (there
	// is no leader), which the log makes idempotent.
	Paxos *paxoslog.Config
	// MaxRaftState makes the server snapshot when the log's persisted
	// state reaches this many bytes; 0 never snapshots.
	MaxRaftState int
	// PollInterval defaults to DefaultPollInterval.
	PollInterval time.Duration
}

// Server is one replica of one group: an rsm over Raft, a controller
// clerk, and the shard transfers its group's leader drives.
type Server struct {
	cfg         ServerConfig
	st          *store
	rsm         *rsm.RSM
	replog.Logs // the log it runs on: Raft or Paxos
	ctrl        *shardctrler.Clerk
	// seq numbers the group entries this incarnation proposes (client id
	// 0); it starts at a random point so that entries of two incarnations
	// are not taken for each other.
	seq uint64
	// ticks counts polls: pulls and deletions go to one server of the
	// previous owner per poll, the next one each time.
	ticks int
}

type pollTick struct{}

// NewServer returns the factory of a group's server.
func NewServer(cfg ServerConfig) node.Factory {
	if cfg.NShards <= 0 {
		cfg.NShards = shardctrler.DefaultNShards
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return func() node.Handler {
		s := &Server{cfg: cfg, st: newStore(cfg.GID, cfg.NShards), ctrl: shardctrler.NewClerk(cfg.Controllers, 0)}
		s.rsm = rsm.New(rsm.Config{MaxRaftState: cfg.MaxRaftState, StateMachineDedups: true}, s.st, func(a rsm.Applier) rsm.Consensus {
			return replog.Open(&s.Logs, cfg.Raft, cfg.Paxos, a)
		})
		return s
	}
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	defer s.passMarks(env)
	if s.rsm.Handle(env, ev) || s.ctrl.Handle(env, ev) {
		return
	}
	switch ev := ev.(type) {
	case *node.Start:
		s.seq = env.Rand().Uint64() >> 1
		env.SetTimer(s.cfg.PollInterval, pollTick{})
	case *node.Timeout:
		if _, ok := ev.Tag.(pollTick); ok {
			s.tick(env)
			env.SetTimer(s.cfg.PollInterval, pollTick{})
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case rsm.Request:
			s.rsm.Serve(env, ev.From, m)
		case PullReq:
			s.onPull(env, ev.From, m)
		case PullReply:
			s.onPulled(env, m)
		case DeleteReq:
			s.onDelete(env, ev.From, m)
		case DeleteReply:
			if m.ConfigNum == s.st.config.Num && s.st.shards[m.Shard].state == Collecting {
				s.propose(env, collected(m), nil)
			}
		}
	}
}

// passMarks hands the Env the marks the store reached in this call.
func (s *Server) passMarks(env node.Env) {
	for _, m := range s.st.marks {
		env.Mark(m)
	}
	s.st.marks = s.st.marks[:0]
}

func (s *Server) leads() bool {
	_, isLeader := s.rsm.Log().State()
	return isLeader
}

// propose submits one of the group's own entries; then, if set, runs
// once it is applied.
func (s *Server) propose(env node.Env, op any, then func(env node.Env)) {
	if !s.leads() {
		return
	}
	s.seq++
	s.rsm.Submit(env, 0, s.seq, op, func(env node.Env, _ any, err error) {
		if err == nil && then != nil {
			then(env)
		}
	})
}

// tick is the leader's periodic work: ask for the next configuration once
// every shard is settled, pull the shards that are due, and tell previous
// owners which shards arrived.
func (s *Server) tick(env node.Env) {
	if !s.leads() {
		return
	}
	// A new leader cannot know that entries of earlier terms are
	// committed until one of its own term is (Raft's commitment rule), and
	// a group with no client traffic might never propose one: a leaving
	// shard's deletion could then sit applied on a follower and not on the
	// leader, which would wait for ever to be settled. So a leader whose
	// log ends in an earlier term's entry proposes an empty one. (On
	// Paxos no entry waits for a later one: every instance is decided on
	// its own, and the log fills holes itself.)
	if s.Raft() != nil {
		if rs := s.Raft().Status(); rs.CommitIndex < rs.LastIndex {
			if term, _, ok := s.Raft().EntryAt(rs.LastIndex); ok && term < rs.Term {
				env.Mark(markNoop)
				s.propose(env, noop{}, nil)
			}
		}
	}
	st := s.st
	if st.settled() && !s.ctrl.Busy() {
		want := st.config.Num + 1
		s.ctrl.QueryExact(env, want, func(env node.Env, cfg shardctrler.Config, ok bool) {
			if ok && s.st.config.Num == want-1 {
				s.propose(env, adoptConfig{Config: cfg}, nil)
			}
		})
	}
	s.ticks++
	for i, sh := range st.shards {
		if sh.state != Pulling && sh.state != Collecting {
			continue
		}
		servers := st.prev.Servers(st.prev.Shards[i])
		if len(servers) == 0 {
			continue
		}
		to := servers[s.ticks%len(servers)]
		if sh.state == Pulling {
			env.Send(to, PullReq{ConfigNum: st.config.Num, Shard: i})
		} else {
			env.Send(to, DeleteReq{ConfigNum: st.config.Num, Shard: i})
		}
	}
}

// onPull answers a new owner: any replica that has adopted the
// configuration holds the shard's final data, frozen since.
func (s *Server) onPull(env node.Env, from node.ID, m PullReq) {
	st := s.st
	reply := PullReply{ConfigNum: m.ConfigNum, Shard: m.Shard}
	if m.Shard >= 0 && m.Shard < len(st.shards) && st.config.Num == m.ConfigNum && st.shards[m.Shard].state == Leaving {
		reply.OK = true
		reply.Data = st.shards[m.Shard].export()
	} else if st.config.Num < m.ConfigNum {
		env.Mark(markPullTooEarly)
	}
	env.Send(from, reply)
}

func (s *Server) onPulled(env node.Env, m PullReply) {
	if m.OK && m.ConfigNum == s.st.config.Num && s.st.shards[m.Shard].state == Pulling {
		s.propose(env, installShard{ConfigNum: m.ConfigNum, Shard: m.Shard, Data: m.Data}, nil)
	}
}

// onDelete drops a shard its new owner installed, through the log, and
// says so; a server past that configuration has dropped it already.
func (s *Server) onDelete(env node.Env, from node.ID, m DeleteReq) {
	st := s.st
	if m.Shard < 0 || m.Shard >= len(st.shards) {
		return
	}
	reply := DeleteReply(m)
	switch {
	case st.config.Num > m.ConfigNum || st.config.Num == m.ConfigNum && st.shards[m.Shard].state != Leaving:
		env.Mark(markDeleteRepeated)
		env.Send(from, reply)
	case st.config.Num == m.ConfigNum:
		s.propose(env, deleteShard(m), func(env node.Env) { env.Send(from, reply) })
	}
}

// GID is the server's group.
func (s *Server) GID() int { return s.cfg.GID }

// Config is the configuration this replica has adopted.
func (s *Server) Config() shardctrler.Config { return s.st.config }

// ShardState is this replica's state of shard i.
func (s *Server) ShardState(i int) State { return s.st.shards[i].state }

// ShardKeys is the number of keys this replica holds for shard i.
func (s *Server) ShardKeys(i int) int { return len(s.st.shards[i].data) }
