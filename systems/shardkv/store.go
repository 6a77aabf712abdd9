package shardkv

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/simlab-go/simlab/sim/node"

	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// store is a group's replicated state: its configuration, the one before,
// and every shard's state.
type store struct {
	gid    int
	config shardctrler.Config // adopted
	prev   shardctrler.Config // the one before config
	shards []shard
	marks  []node.Mark // reached since the server last passed them on
}

func newStore(gid, nShards int) *store {
	s := &store{gid: gid, config: shardctrler.Initial(nShards), prev: shardctrler.Initial(nShards)}
	s.shards = make([]shard, nShards)
	return s
}

// settled reports whether every shard is settled: the group may adopt the
// next configuration.
func (s *store) settled() bool {
	for _, sh := range s.shards {
		if !sh.state.settled() {
			return false
		}
	}
	return true
}

// Apply implements rsm.StateMachine (with StateMachineDedups: op is the
// whole rsm.Command).
func (s *store) Apply(op any) any {
	c := op.(rsm.Command)
	switch o := c.Op.(type) {
	case Op:
		return s.applyClient(c.ClientID, c.Seq, o)
	case adoptConfig:
		return s.adopt(o.Config)
	case installShard:
		if o.ConfigNum == s.config.Num && s.shards[o.Shard].state == Pulling {
			sh := &s.shards[o.Shard]
			sh.data, sh.dedup = o.Data.load()
			sh.state = Collecting
			s.reach(markInstalled)
		}
	case deleteShard:
		if o.ConfigNum == s.config.Num && s.shards[o.Shard].state == Leaving {
			s.shards[o.Shard] = shard{}
			s.reach(markDeleted)
		}
	case noop:
	case collected:
		if o.ConfigNum == s.config.Num && s.shards[o.Shard].state == Collecting {
			s.shards[o.Shard].state = Serving
		}
	default:
		panic(fmt.Sprintf("shardkv: unknown log entry %T", c.Op))
	}
	return nil
}

func (s *store) applyClient(clientID, seq uint64, o Op) Result {
	n := Key2Shard(o.Key, len(s.shards))
	res := Result{GID: s.gid, ConfigNum: s.config.Num, Shard: n}
	sh := &s.shards[n]
	if !sh.state.serves() {
		s.reach(markWrongGroup)
		res.Err = ErrWrongGroup
		return res
	}
	for i := range s.shards {
		if s.shards[i].state == Pulling {
			s.reach(markServedWhilePulling)
			break
		}
	}
	if o.Kind == Get {
		// A read changes nothing: a retried one is simply read again,
		// and reads take no room in the dedup table.
		res.Value = sh.data[o.Key]
		return res
	}
	if rec, ok := sh.dedup[clientID]; ok && seq <= rec.Seq {
		s.reach(markWriteDeduplicated)
		return res // applied before, here or at a previous owner
	}
	switch o.Kind {
	case Put:
		sh.data[o.Key] = o.Value
	case Append:
		sh.data[o.Key] += o.Value
	}
	sh.dedup[clientID] = Record{Seq: seq}
	return res
}

// adopt moves to next, the configuration after the current one: shards
// taken away are frozen for their new owners, shards given are pulled
// from their previous owners (or start empty if they had none).
func (s *store) adopt(next shardctrler.Config) any {
	if next.Num != s.config.Num+1 || !s.settled() {
		return nil // a duplicate, or proposed by a stale leader
	}
	for i := range s.shards {
		was, is := s.config.Shards[i] == s.gid, next.Shards[i] == s.gid
		sh := &s.shards[i]
		switch {
		case is && !was && s.config.Shards[i] == 0:
			*sh = shard{state: Serving, data: map[string]string{}, dedup: map[uint64]Record{}}
		case is && !was:
			sh.state = Pulling
			s.reach(markAdoptTakes)
		case was && !is && next.Shards[i] == 0:
			*sh = shard{} // no group serves it: nothing to keep it for
		case was && !is:
			sh.state = Leaving
			s.reach(markAdoptGives)
		}
	}
	s.prev, s.config = s.config, next
	return nil
}

type storeSnapshot struct {
	Config, Prev shardctrler.Config
	States       []State
	Shards       []ShardData
}

// Snapshot implements rsm.StateMachine.
func (s *store) Snapshot() []byte {
	snap := storeSnapshot{Config: s.config, Prev: s.prev}
	for i := range s.shards {
		snap.States = append(snap.States, s.shards[i].state)
		snap.Shards = append(snap.Shards, s.shards[i].export())
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(snap); err != nil {
		panic(fmt.Sprintf("shardkv: snapshot does not encode: %v", err))
	}
	return buf.Bytes()
}

// Restore implements rsm.StateMachine.
func (s *store) Restore(b []byte) {
	var snap storeSnapshot
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&snap); err != nil {
		panic(fmt.Sprintf("shardkv: snapshot does not decode: %v", err))
	}
	s.config, s.prev = snap.Config, snap.Prev
	for i := range s.shards {
		s.shards[i] = shard{state: snap.States[i]}
		if snap.States[i] != Absent && snap.States[i] != Pulling {
			s.shards[i].data, s.shards[i].dedup = snap.Shards[i].load()
		}
	}
}
