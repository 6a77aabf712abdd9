package kvsrv

import "github.com/simlab-go/simlab/sim/node"

type entry struct {
	value   string
	version uint64
}

// Server is the store: one node, state in memory, nothing kept per client.
type Server struct {
	data map[string]entry
}

// NewServer returns the factory of the server. A restarted server starts
// empty: the store is not durable, as in the lab it comes from.
func NewServer() node.Factory {
	return func() node.Handler { return &Server{data: map[string]entry{}} }
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	m, ok := ev.(*node.Recv)
	if !ok {
		return
	}
	switch a := m.Msg.(type) {
	case GetArgs:
		env.Send(m.From, s.get(a))
	case PutArgs:
		env.Send(m.From, s.put(env, a))
	}
}

func (s *Server) get(a GetArgs) GetReply {
	e, ok := s.data[a.Key]
	if !ok {
		return GetReply{Err: ErrNoKey, ReqID: a.ReqID}
	}
	return GetReply{Value: e.value, Version: e.version, ReqID: a.ReqID}
}

func (s *Server) put(env node.Env, a PutArgs) PutReply {
	e, ok := s.data[a.Key]
	switch {
	case !ok && a.Version != 0:
		return PutReply{Err: ErrNoKey, ReqID: a.ReqID}
	case ok && a.Version != e.version:
		env.Mark(markStaleVersion)
		return PutReply{Err: ErrVersion, ReqID: a.ReqID}
	}
	s.data[a.Key] = entry{value: a.Value, version: a.Version + 1}
	return PutReply{ReqID: a.ReqID}
}

// Version returns a key's current version (0 if never put), for checkers.
func (s *Server) Version(key string) uint64 { return s.data[key].version }

// Value returns a key's value, for checkers.
func (s *Server) Value(key string) string { return s.data[key].value }

// StateBytes is the size of what the server keeps: every key, value and
// version. There is no per-client state to add.
func (s *Server) StateBytes() int {
	n := 0
	//simlab:unordered a sum
	for k, e := range s.data {
		n += len(k) + len(e.value) + 8
	}
	return n
}

//simlab:readonly a mark is an ID fixed at init, never written after
var markStaleVersion = node.NewMark("kvsrv/put-at-stale-version",
	"a put arrived at a version the key has moved past: another client's put got there first, or its own first attempt did")
