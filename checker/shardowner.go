package checker

import (
	"fmt"
	"slices"
)

// ShardOwner checks a sharded store's first promise where it is made: one
// owner per shard per configuration. Every answer a replica group gives a
// client for a shard must come from the group the configuration it was in
// when it answered gives that shard to. Two groups answering for one shard
// in one configuration, a group answering for a shard its configuration
// gives to no group or to another, and a group that has moved on to a
// configuration without the shard still answering for it, all break it on
// their first answer, whatever the data said. That at most one group
// answers for a shard in a configuration follows, since a configuration is
// a value: Configuration refuses a second, different assignment under a
// number it has seen.
//
// A harness feeds it the configurations as the controller gives them out
// (Configuration) and the answers as they reach clients (Served), naming
// for each the group that answered, the configuration that group was in
// and the shard of the key asked for.
type ShardOwner struct {
	configs map[int][]int // by number: shard → group (0 for none)
	// first is the first answer for each (configuration, shard), named in
	// a failure.
	first map[[2]int]ownerAnswer
}

// ownerAnswer is an answer as a failure names it.
type ownerAnswer struct {
	gid   int
	where string
}

// NewShardOwner returns a checker that knows no configuration yet.
func NewShardOwner() *ShardOwner {
	return &ShardOwner{configs: map[int][]int{}, first: map[[2]int]ownerAnswer{}}
}

// Configuration records configuration num as the controller gave it out:
// shards[s] is the group it gives shard s, 0 for none. The same number
// with another assignment is a violation.
func (o *ShardOwner) Configuration(num int, shards []int) error {
	if old, ok := o.configs[num]; ok {
		if !slices.Equal(old, shards) {
			return fmt.Errorf("configuration %d was given out as %v and as %v: a configuration never changes", num, old, shards)
		}
		return nil
	}
	o.configs[num] = slices.Clone(shards)
	return nil
}

// Owner returns the group configuration num gives shard (0 for none), and
// false if the configuration is unknown or has no such shard.
func (o *ShardOwner) Owner(num, shard int) (gid int, known bool) {
	shards, ok := o.configs[num]
	if !ok || shard < 0 || shard >= len(shards) {
		return 0, false
	}
	return shards[shard], true
}

// Served checks that group gid may answer a client for shard in
// configuration num, the one it was in when it answered; where describes
// the answer for a failure ("g2s0 to c3, delivered at 1.2s").
func (o *ShardOwner) Served(gid, num, shard int, where string) error {
	k := [2]int{num, shard}
	first, seen := o.first[k]
	if !seen {
		o.first[k] = ownerAnswer{gid: gid, where: where}
	}
	owner, known := o.Owner(num, shard)
	switch {
	case !known:
		return fmt.Errorf("group %d answered for shard %d in configuration %d, which no controller gave out with that shard (%s)", gid, shard, num, where)
	case owner == gid:
		return nil
	}
	to := fmt.Sprintf("group %d", owner)
	if owner == 0 {
		to = "no group"
	}
	err := fmt.Sprintf("group %d answered for shard %d in configuration %d, which gives shard %d to %s (%s)", gid, shard, num, shard, to, where)
	if seen && first.gid != gid {
		err += fmt.Sprintf("; group %d answered for it in that configuration too (%s)", first.gid, first.where)
	}
	return fmt.Errorf("%s", err)
}
