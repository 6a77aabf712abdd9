package shardkv

import (
	"github.com/simlab-go/simlab/sim/node"
)

// Key2Shard is the shard of key: its first byte modulo nShards (the
// classic lab's function), shard 0 for the empty key.
func Key2Shard(key string, nShards int) int {
	if key == "" {
		return 0
	}
	return int(key[0]) % nShards
}

// State is where a group stands with one shard.
type State int

// The states of a shard at a group.
const (
	Absent     State = iota // not ours
	Serving                 // ours, here, served
	Pulling                 // ours in this configuration, its data not here yet
	Leaving                 // ours in the previous configuration: frozen, kept for the new owner
	Collecting              // arrived and served; the previous owner may still hold a copy
)

func (s State) String() string {
	return [...]string{Absent: "absent", Serving: "serving", Pulling: "pulling", Leaving: "leaving", Collecting: "collecting"}[s]
}

// serves reports whether a shard in state s answers requests.
func (s State) serves() bool { return s == Serving || s == Collecting }

// settled reports whether a shard in state s lets the group adopt the
// next configuration.
func (s State) settled() bool { return s == Serving || s == Absent }

// shard is one shard's state at a group.
type shard struct {
	state State
	data  map[string]string
	dedup map[uint64]Record // by client id
}

// Record is the last write (Put or Append) of a client applied to a
// shard: a retry of it, or of an earlier one, is not applied again.
type Record struct {
	Seq uint64
}

// ShardData is a shard's contents as they travel between groups and into
// logs and snapshots: keys and clients sorted, no map.
type ShardData struct {
	Keys, Values []string
	Clients      []uint64
	Records      []Record
}

func (sh *shard) export() ShardData {
	var d ShardData
	for _, k := range node.SortedKeys(sh.data) {
		d.Keys = append(d.Keys, k)
		d.Values = append(d.Values, sh.data[k])
	}
	for _, c := range node.SortedKeys(sh.dedup) {
		d.Clients = append(d.Clients, c)
		d.Records = append(d.Records, sh.dedup[c])
	}
	return d
}

func (d ShardData) load() (data map[string]string, dedup map[uint64]Record) {
	data = make(map[string]string, len(d.Keys))
	for i, k := range d.Keys {
		data[k] = d.Values[i]
	}
	dedup = make(map[uint64]Record, len(d.Clients))
	for i, c := range d.Clients {
		dedup[c] = d.Records[i]
	}
	return data, dedup
}

// Size is the bytes of keys and values the shard holds.
func (d ShardData) Size() int {
	n := 0
	for i := range d.Keys {
		n += len(d.Keys[i]) + len(d.Values[i])
	}
	return n + 16*len(d.Clients)
}
