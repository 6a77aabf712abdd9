package shardkv

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

func cmd(client, seq uint64, op any) rsm.Command {
	return rsm.Command{ClientID: client, Seq: seq, Op: op}
}

func group(gid int) shardctrler.Group {
	return shardctrler.Group{GID: gid, Servers: []node.ID{node.ID(gid * 10)}}
}

func states(s *store) []State {
	out := make([]State, len(s.shards))
	for i := range s.shards {
		out[i] = s.shards[i].state
	}
	return out
}

// TestAdoptingConfigurations walks group 1 through the configurations of
// two groups joining and one leaving: which shards it serves, pulls,
// holds for a new owner, and when it may move on.
func TestAdoptingConfigurations(t *testing.T) {
	c1 := shardctrler.Initial(4).Join([]shardctrler.Group{group(1)}) // 1 1 1 1
	c2 := c1.Join([]shardctrler.Group{group(2)})                     // 1 1 2 2
	c3 := c2.Leave([]int{2})                                         // 1 1 1 1
	S, A, P, L := Serving, Absent, Pulling, Leaving
	s := newStore(1, 4)
	steps := []struct {
		name    string
		op      any
		want    []State
		settled bool
	}{
		{"a configuration out of order is ignored", adoptConfig{c2}, []State{A, A, A, A}, true},
		{"the first configuration: every shard, empty", adoptConfig{c1}, []State{S, S, S, S}, true},
		{"group 2 joins: two shards leave", adoptConfig{c2}, []State{S, S, L, L}, false},
		{"not settled: the next configuration waits", adoptConfig{c3}, []State{S, S, L, L}, false},
		{"a deletion of another configuration is ignored", deleteShard{ConfigNum: 1, Shard: 2}, []State{S, S, L, L}, false},
		{"group 2 has shard 2", deleteShard{ConfigNum: 2, Shard: 2}, []State{S, S, A, L}, false},
		{"and shard 3", deleteShard{ConfigNum: 2, Shard: 3}, []State{S, S, A, A}, true},
		{"group 2 leaves: its shards come back, pulled", adoptConfig{c3}, []State{S, S, P, P}, false},
		{"one arrives: served at once", installShard{ConfigNum: 3, Shard: 2, Data: ShardData{Keys: []string{"k"}, Values: []string{"v"}}}, []State{S, S, Collecting, P}, false},
		{"a second copy of it changes nothing", installShard{ConfigNum: 3, Shard: 2}, []State{S, S, Collecting, P}, false},
		{"its old copy is gone", collected{ConfigNum: 3, Shard: 2}, []State{S, S, S, P}, false},
	}
	for _, st := range steps {
		s.Apply(cmd(0, 1, st.op))
		if got := states(s); !equal(got, st.want) || s.settled() != st.settled {
			t.Fatalf("%s: states %v settled %v, want %v settled %v", st.name, got, s.settled(), st.want, st.settled)
		}
	}
	if got := s.shards[2].data["k"]; got != "v" {
		t.Errorf("installed shard holds k=%q, want v", got)
	}
}

func equal(a, b []State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestClientOperations: requests for shards not served are answered
// ErrWrongGroup and change nothing; a write retried (here, or after its
// shard moved with its table) applies once; reads are never remembered.
func TestClientOperations(t *testing.T) {
	c1 := shardctrler.Initial(10).Join([]shardctrler.Group{group(1)})
	c2 := c1.Join([]shardctrler.Group{group(2)})
	s := newStore(1, 10)
	s.Apply(cmd(0, 1, adoptConfig{c1}))
	key := "0" // shard 8 (byte 48), which group 2 takes in c2
	if n := Key2Shard(key, 10); n != 8 || c2.Shards[n] != 2 {
		t.Fatalf("key %q is in shard %d of group %d; the test needs one group 2 takes", key, n, c2.Shards[n])
	}
	tests := []struct {
		name      string
		client    uint64
		seq       uint64
		op        Op
		wantErr   string
		wantValue string
	}{
		{"append", 7, 1, Op{Kind: Append, Key: key, Value: "a"}, "", ""},
		{"the same append again", 7, 1, Op{Kind: Append, Key: key, Value: "a"}, "", ""},
		{"an older one", 7, 0, Op{Kind: Append, Key: key, Value: "x"}, "", ""},
		{"read", 7, 2, Op{Kind: Get, Key: key}, "", "a"},
		{"another client", 8, 1, Op{Kind: Append, Key: key, Value: "b"}, "", ""},
		{"read again", 7, 3, Op{Kind: Get, Key: key}, "", "ab"},
	}
	for _, tt := range tests {
		r := s.Apply(cmd(tt.client, tt.seq, tt.op)).(Result)
		if r.Err != tt.wantErr || r.Value != tt.wantValue || r.GID != 1 || r.Shard != 8 {
			t.Errorf("%s: %+v, want err %q value %q from group 1, shard 8", tt.name, r, tt.wantErr, tt.wantValue)
		}
	}
	s.Apply(cmd(0, 2, adoptConfig{c2}))
	if r := s.Apply(cmd(7, 4, Op{Kind: Get, Key: key})).(Result); r.Err != ErrWrongGroup || r.ConfigNum != 2 {
		t.Errorf("a read of a shard given away: %+v, want ErrWrongGroup in configuration 2", r)
	}
	// Group 2 installs what group 1 froze: client 8's append is known there.
	moved := s.shards[8].export()
	g2 := newStore(2, 10)
	g2.Apply(cmd(0, 1, adoptConfig{c1}))
	g2.Apply(cmd(0, 2, adoptConfig{c2}))
	g2.Apply(cmd(0, 3, installShard{ConfigNum: 2, Shard: 8, Data: moved}))
	g2.Apply(cmd(8, 1, Op{Kind: Append, Key: key, Value: "b"})) // a retry, across the move
	if r := g2.Apply(cmd(9, 1, Op{Kind: Get, Key: key})).(Result); r.Value != "ab" || r.GID != 2 {
		t.Errorf("after the move and a retried append: %+v, want ab from group 2", r)
	}
}

// TestSnapshotRoundTrip: a restored store has the same configurations,
// states, data and tables, and encodes to the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	c1 := shardctrler.Initial(10).Join([]shardctrler.Group{group(1)})
	c2 := c1.Join([]shardctrler.Group{group(2)})
	s := newStore(1, 10)
	s.Apply(cmd(0, 1, adoptConfig{c1}))
	for i, k := range []string{"0", "1", "2", "3"} {
		s.Apply(cmd(uint64(i+1), 1, Op{Kind: Put, Key: k, Value: "v" + k}))
	}
	s.Apply(cmd(0, 2, adoptConfig{c2}))
	snap := s.Snapshot()
	r := newStore(1, 10)
	r.Restore(snap)
	if !equal(states(r), states(s)) || r.config.Num != 2 || r.prev.Num != 1 {
		t.Fatalf("restored states %v at %d/%d, want %v at 2/1", states(r), r.config.Num, r.prev.Num, states(s))
	}
	if string(r.Snapshot()) != string(snap) {
		t.Error("a restored store encodes differently")
	}
	if got := r.Apply(cmd(9, 1, Op{Kind: Get, Key: "2"})).(Result); got.Value != "v2" {
		t.Errorf("restored get(2) = %+v", got)
	}
}
