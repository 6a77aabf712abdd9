package checker

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ApplyOnce checks that a sharded store applies each client write at most
// once across the whole system: across retries, across the moves of a
// shard between groups and across restarts from snapshots. It looks at
// both ends of the promise:
//
//   - The effect. A harness names every append with its value (Appended),
//     a value unique to the request, and no value any other request writes
//     contains it. Any value of the key the store shows afterwards (a
//     read's answer, a shard's contents as they move) may then hold it at
//     most once: twice means the request was applied twice.
//   - The cause. A shard's duplicate table (each client's last write
//     applied to it) must move with the shard and never go back: every
//     copy of the shard seen later along its history, in the same group or
//     another, must record for every client at least the write an earlier
//     copy recorded. A table that lost an entry lets a retry of any write
//     the entry covered apply again, whether or not a retry comes; the
//     check sees the loss at the first copy that shows it.
//
// A shard's history is ordered by configuration: the copy handed over for
// configuration c (the previous owner's frozen state, which the new owner
// starts from) comes after every copy of earlier configurations and before
// the owner's live state during c. A configuration that gives the shard to
// no group drops its contents, and the history starts again after it;
// owner says which group a configuration gives a shard (known false when
// it cannot say, and then no comparison across that configuration is
// made).
type ApplyOnce struct {
	owner func(config, shard int) (gid int, known bool)
	// appends lists, by key, the appends of every request, in the order
	// they were named.
	appends map[string][]appendedValue
	// handed lists, by shard, the first copy handed over for each
	// configuration, by ascending configuration.
	handed map[int][]ShardCopy
	// checked is, by key, the last value checked, not checked again.
	checked map[string]string
	names   map[uint64]string
}

// appendedValue is one request's append.
type appendedValue struct{ value, who string }

// ShardCopy is one copy of one shard's state, as a harness saw it.
type ShardCopy struct {
	Shard int
	// Config is the configuration whose state it is.
	Config int
	// Live says it is a replica's state while it serves the shard in
	// Config; otherwise it is the copy handed over for Config, the state
	// the shard's new owner in Config starts from.
	Live bool
	// Where says where it was seen, for a failure ("handed over by g1s0
	// to g2s1").
	Where string
	// Values is the shard's data, by key.
	Values map[string]string
	// Dedup is the shard's duplicate table: for each client, the number
	// of its last write applied to the shard.
	Dedup map[uint64]uint64
}

// NewApplyOnce returns a checker over configurations that owner describes.
func NewApplyOnce(owner func(config, shard int) (gid int, known bool)) *ApplyOnce {
	return &ApplyOnce{owner: owner, appends: map[string][]appendedValue{}, handed: map[int][]ShardCopy{},
		checked: map[string]string{}, names: map[uint64]string{}}
}

// Appended names a request that appends value to key before it is sent;
// who names the request in a failure ("c3's request 17"). value must be
// unique to the request, and found inside no other request's value.
func (a *ApplyOnce) Appended(key, value, who string) {
	if value != "" {
		a.appends[key] = append(a.appends[key], appendedValue{value: value, who: who})
	}
}

// ClientName names the client whose duplicate-table id is id, for
// failures.
func (a *ApplyOnce) ClientName(id uint64, name string) { a.names[id] = name }

// Value checks a value of key the store showed; where says where ("read by
// c2"). Every append named before may be in it once at most.
func (a *ApplyOnce) Value(key, value, where string) error {
	if last, ok := a.checked[key]; ok && last == value {
		return nil
	}
	a.checked[key] = value
	for _, ap := range a.appends[key] {
		if n := strings.Count(value, ap.value); n > 1 {
			return fmt.Errorf("%s, appending %q to %q, was applied %d times: the value of %q %s holds it %d times", ap.who, ap.value, key, n, key, where, n)
		}
	}
	return nil
}

// Copy checks one copy of a shard: every value in it (Value), and its
// duplicate table against every copy handed over before or after it along
// the shard's history. A handed-over copy is kept for later copies.
func (a *ApplyOnce) Copy(c ShardCopy) error {
	for _, k := range slices.Sorted(maps.Keys(c.Values)) {
		if err := a.Value(k, c.Values[k], fmt.Sprintf("in shard %d %s", c.Shard, c.Where)); err != nil {
			return err
		}
	}
	list := a.handed[c.Shard]
	at, found := slices.BinarySearchFunc(list, c.Config, func(h ShardCopy, config int) int { return h.Config - config })
	for i, h := range list {
		var err error
		switch {
		case i == at && found && !c.Live:
			lead := fmt.Sprintf("two copies of shard %d handed over for configuration %d disagree", c.Shard, c.Config)
			if err = a.notBehind(c, h, lead); err == nil {
				err = a.notBehind(h, c, lead)
			}
		case i < at || i == at && found: // h comes first (a live copy comes after its own configuration's)
			if a.linked(c.Shard, h.Config, c.Config) {
				err = a.notBehind(c, h, a.wentBack(c.Shard, h.Config, c.Config))
			}
		default:
			if a.linked(c.Shard, c.Config, h.Config) {
				err = a.notBehind(h, c, a.wentBack(c.Shard, c.Config, h.Config))
			}
		}
		if err != nil {
			return err
		}
	}
	if !c.Live && !found {
		c.Values, c.Dedup = nil, maps.Clone(c.Dedup)
		a.handed[c.Shard] = slices.Insert(list, at, c)
	}
	return nil
}

// wentBack opens the failure of a duplicate table that lost an entry
// between two configurations.
func (a *ApplyOnce) wentBack(shard, from, to int) string {
	if from == to {
		return fmt.Sprintf("shard %d's duplicate table went back during configuration %d", shard, from)
	}
	return fmt.Sprintf("shard %d's duplicate table went back between configurations %d and %d", shard, from, to)
}

// linked reports whether the shard's contents at configuration from are
// known to have reached configuration to: no configuration strictly
// between them gives the shard to no group, and each is known.
func (a *ApplyOnce) linked(shard, from, to int) bool {
	for c := from + 1; c < to; c++ {
		if gid, known := a.owner(c, shard); !known || gid == 0 {
			return false
		}
	}
	return true
}

// notBehind checks that copy later records, for every client, at least
// the write earlier records; lead opens the failure.
func (a *ApplyOnce) notBehind(later, earlier ShardCopy, lead string) error {
	for _, id := range slices.Sorted(maps.Keys(earlier.Dedup)) {
		want, got := earlier.Dedup[id], later.Dedup[id]
		if got >= want {
			continue
		}
		had := "nothing"
		if _, ok := later.Dedup[id]; ok {
			had = fmt.Sprintf("write %d", got)
		}
		return fmt.Errorf("%s: the copy %s records %s's write %d as applied, the copy %s records %s: a retry of a write in between would apply again",
			lead, earlier.Where, a.name(id), want, later.Where, had)
	}
	return nil
}

// name is a client's name, or its id.
func (a *ApplyOnce) name(id uint64) string {
	if n, ok := a.names[id]; ok {
		return n
	}
	return fmt.Sprintf("client %d", id)
}
