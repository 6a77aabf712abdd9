package shardctrler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// DefaultNShards is the classic lab's shard count.
const DefaultNShards = 10

// Group is one replica group: its id and its servers.
type Group struct {
	GID     int
	Servers []node.ID
}

// Config is one configuration: which group serves each shard. It is a
// value; the controller never changes one it has made.
type Config struct {
	Num int
	// Shards[s] is the GID of the group serving shard s, 0 for none.
	Shards []int
	// Groups lists the configuration's groups by ascending GID.
	Groups []Group
}

// Initial is configuration 0 for nShards shards: no groups, no shard
// assigned.
func Initial(nShards int) Config { return Config{Shards: make([]int, nShards)} }

// Servers returns the servers of group gid, nil if it is not in c.
func (c Config) Servers(gid int) []node.ID {
	if i, ok := c.group(gid); ok {
		return c.Groups[i].Servers
	}
	return nil
}

// GIDs lists the configuration's groups, ascending.
func (c Config) GIDs() []int {
	out := make([]int, len(c.Groups))
	for i, g := range c.Groups {
		out[i] = g.GID
	}
	return out
}

// ShardsOf lists the shards group gid serves, ascending.
func (c Config) ShardsOf(gid int) []int {
	var out []int
	for s, g := range c.Shards {
		if g == gid {
			out = append(out, s)
		}
	}
	return out
}

func (c Config) group(gid int) (int, bool) {
	return slices.BinarySearchFunc(c.Groups, gid, func(g Group, gid int) int { return g.GID - gid })
}

// Clone returns a deep copy.
func (c Config) Clone() Config {
	out := Config{Num: c.Num, Shards: slices.Clone(c.Shards), Groups: make([]Group, len(c.Groups))}
	for i, g := range c.Groups {
		out.Groups[i] = Group{GID: g.GID, Servers: slices.Clone(g.Servers)}
	}
	return out
}

// Equal reports whether two configurations are the same.
func (c Config) Equal(o Config) bool {
	return c.Num == o.Num && slices.Equal(c.Shards, o.Shards) &&
		slices.EqualFunc(c.Groups, o.Groups, func(a, b Group) bool { return a.GID == b.GID && slices.Equal(a.Servers, b.Servers) })
}

// String is "config 3: shards [1 1 1 1 2 2 2 3 3 3], groups 1 [n0 n1 n2], 2 […], …".
func (c Config) String() string {
	var gs []string
	for _, g := range c.Groups {
		gs = append(gs, fmt.Sprintf("%d %v", g.GID, g.Servers))
	}
	return fmt.Sprintf("config %d: shards %v, groups %s", c.Num, c.Shards, strings.Join(gs, ", "))
}

// Join returns the configuration after groups join c: c's groups plus
// these (a GID already present gets the new server list), rebalanced.
func (c Config) Join(groups []Group) Config {
	next := c.Clone()
	next.Num++
	for _, g := range groups {
		g = Group{GID: g.GID, Servers: slices.Clone(g.Servers)}
		if i, ok := next.group(g.GID); ok {
			next.Groups[i] = g
		} else {
			next.Groups = slices.Insert(next.Groups, i, g)
		}
	}
	next.Shards = rebalance(next.Shards, next.GIDs())
	return next
}

// Leave returns the configuration after the groups gids leave c (GIDs
// not in c are ignored), rebalanced.
func (c Config) Leave(gids []int) Config {
	next := c.Clone()
	next.Num++
	next.Groups = slices.DeleteFunc(next.Groups, func(g Group) bool { return slices.Contains(gids, g.GID) })
	next.Shards = rebalance(next.Shards, next.GIDs())
	return next
}

// Move returns the configuration after shard is handed to group gid; it
// reports false, and returns c unchanged, if the shard or the group does
// not exist.
func (c Config) Move(shard, gid int) (Config, bool) {
	if _, ok := c.group(gid); !ok || shard < 0 || shard >= len(c.Shards) {
		return c, false
	}
	next := c.Clone()
	next.Num++
	next.Shards[shard] = gid
	return next, true
}

// rebalance assigns shards to the groups gids (ascending) so that their
// counts differ by at most one, moving the fewest shards: a group's share
// is len(shards)/len(gids), and the groups holding most (ties: the lower
// GID) get one more while the remainder lasts; a group above its share
// gives up its highest shards, and shards of no group or a departed one
// go, lowest first, to the groups below their share in GID order.
func rebalance(shards []int, gids []int) []int {
	out := slices.Clone(shards)
	if len(gids) == 0 {
		clear(out)
		return out
	}
	held := make([][]int, len(gids)) // by index in gids, ascending shards
	var pool []int
	for s, g := range out {
		if i, ok := slices.BinarySearch(gids, g); ok {
			held[i] = append(held[i], s)
		} else {
			pool = append(pool, s)
		}
	}
	order := make([]int, len(gids)) // indices into gids, most held first
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(held[b]) - len(held[a]) })
	share, extra := len(out)/len(gids), len(out)%len(gids)
	target := make([]int, len(gids))
	for rank, i := range order {
		target[i] = share
		if rank < extra {
			target[i]++
		}
	}
	for i := range gids {
		for len(held[i]) > target[i] {
			n := len(held[i]) - 1
			pool = append(pool, held[i][n])
			held[i] = held[i][:n]
		}
	}
	slices.Sort(pool)
	for i, g := range gids {
		for len(held[i]) < target[i] {
			out[pool[0]] = g
			held[i] = append(held[i], pool[0])
			pool = pool[1:]
		}
	}
	return out
}
