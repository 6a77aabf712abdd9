package sim

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// DamageKind is a way synced data goes bad on a real disk: what a crash
// never does to it, and what code that persists must notice instead of
// taking it for a torn tail.
type DamageKind string

// The kinds of damage World.Damage applies.
const (
	DamageFlip     DamageKind = "flip"     // one byte of the file changes
	DamageZero     DamageKind = "zero"     // every byte of the file becomes zero, its size kept
	DamageTruncate DamageKind = "truncate" // the file loses its end, from a byte within it
	DamageLose     DamageKind = "lose"     // the file disappears
)

// DamageKinds lists the kinds in the order schedules document them.
func DamageKinds() []DamageKind {
	return []DamageKind{DamageFlip, DamageZero, DamageTruncate, DamageLose}
}

// Damage damages the synced data of node id's disk: one file (the named
// one, or one chosen from the run's seed when file is ""), in the way kind
// says. What the running incarnation already read or wrote is unchanged,
// as a page cache would keep it; the next incarnation boots over the
// damage. The choices (file, offset, byte) come from a stream of their own,
// so damaging a node reshuffles nothing else in the run.
//
// It returns a description of what was done, or "" when there was nothing
// to damage (no such file, or an empty one for a kind that needs bytes).
func (w *World) Damage(id node.ID, kind DamageKind, file string) string {
	n := w.node(id)
	d, synced := n.disk.durable, n.disk.synced
	r := node.NewRand(node.Mix(w.seed, node.HashString("damage"), uint64(id), uint64(w.now), uint64(len(n.damaged))))
	if file == "" {
		var names []string
		for _, name := range node.SortedKeys(synced) {
			if kind == DamageLose || synced[name] > 0 {
				names = append(names, name)
			}
		}
		if len(names) > 0 {
			file = names[r.IntN(len(names))]
		}
	}
	data := d[file]
	n0, ok := synced[file] // the synced prefix: only it was promised
	var what string
	switch {
	case !ok || file == "":
		what = ""
	case kind == DamageLose:
		delete(d, file)
		delete(synced, file)
		what = fmt.Sprintf("lost %s (%d bytes)", file, len(data))
	case n0 == 0:
		what = ""
	case kind == DamageFlip:
		at := r.IntN(n0)
		b := append([]byte(nil), data...)
		b[at] ^= byte(1 + r.IntN(255))
		d[file] = b[:len(b):len(b)]
		what = fmt.Sprintf("flipped byte %d of %s (%d bytes)", at, file, len(data))
	case kind == DamageZero:
		d[file] = make([]byte, len(data))
		what = fmt.Sprintf("zeroed %s (%d bytes)", file, len(data))
	case kind == DamageTruncate:
		at := r.IntN(n0)
		d[file] = append([]byte(nil), data[:at]...)
		synced[file] = at
		what = fmt.Sprintf("truncated %s from %d to %d bytes", file, len(data), at)
	default:
		panic(fmt.Sprintf("sim: unknown damage kind %q", kind))
	}
	if what == "" {
		w.trace(Record{Kind: "fault", Node: n.name, Detail: fmt.Sprintf("damage %s: no synced file to damage", kind)})
		return ""
	}
	n.damaged = append(n.damaged, what)
	w.hash(0xda3a6e, uint64(id), node.HashString(what))
	w.trace(Record{Kind: "fault", Node: n.name, Detail: "damaged synced data: " + what})
	return what
}

// Damaged lists what World.Damage did to node id's disk, in order.
func (w *World) Damaged(id node.ID) []string { return append([]string(nil), w.node(id).damaged...) }

// Files lists the files of node id's disk that a Sync made durable, in
// lexical order: what World.Damage may aim at.
func (w *World) Files(id node.ID) []string { return node.SortedKeys(w.node(id).disk.synced) }
