package sim

import (
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

type diskOpKind uint8

const (
	opWrite diskOpKind = iota
	opAppend
	opRemove
)

var opNames = [...]string{opWrite: "write", opAppend: "append", opRemove: "remove"}

type diskOp struct {
	kind diskOpKind
	name string
	data []byte // owned by the op; capacity clipped so no append can share it
}

// disk is one node's store. view is what the running incarnation sees,
// durable what survives any crash, pending the writes committed by handlers
// but not yet synced, in order. synced is, per durable file, the length of
// its prefix that a Sync made durable: a crash may keep unsynced writes
// too, and only synced bytes are what the node promised (World.Damage
// aims at those).
//
// Slices shared between view, durable and ops always have cap == len, so an
// append to one of them reallocates instead of writing into the other's
// backing array.
type disk struct {
	durable map[string][]byte
	synced  map[string]int
	view    map[string][]byte
	pending []diskOp
}

func newDisk() *disk {
	return &disk{durable: map[string][]byte{}, synced: map[string]int{}, view: map[string][]byte{}}
}

// reopen rebuilds the view from what is durable, at boot.
func (d *disk) reopen() {
	d.view = make(map[string][]byte, len(d.durable))
	for _, name := range node.SortedKeys(d.durable) {
		d.view[name] = slices.Clip(d.durable[name])
	}
}

func (d *disk) commit(op diskOp) { d.pending = append(d.pending, op) }

func (d *disk) sync() {
	for _, op := range d.pending {
		d.apply(op)
		if op.kind == opRemove {
			delete(d.synced, op.name)
		} else {
			d.synced[op.name] = len(d.durable[op.name])
		}
	}
	d.pending = d.pending[:0]
}

// syncFile makes the pending writes to one file durable; the others stay
// pending, in their order.
func (d *disk) syncFile(name string) {
	rest := d.pending[:0]
	for _, op := range d.pending {
		if op.name != name {
			rest = append(rest, op)
			continue
		}
		d.apply(op)
		if op.kind == opRemove {
			delete(d.synced, op.name)
		} else {
			d.synced[op.name] = len(d.durable[op.name])
		}
	}
	clear(d.pending[len(rest):])
	d.pending = rest
}

func (d *disk) apply(op diskOp) {
	switch op.kind {
	case opWrite:
		d.durable[op.name] = op.data
	case opAppend:
		d.durable[op.name] = append(d.durable[op.name], op.data...)
	case opRemove:
		delete(d.durable, op.name)
	}
}

// crash keeps the durable state plus a prefix of the pending writes chosen
// by r, tearing the last one kept when torn is set, and forgets the rest.
// It returns how many pending writes survived and whether the last was torn.
func (d *disk) crash(r *node.Rand, cfg DiskConfig) (kept int, torn bool) {
	kept = len(d.pending)
	if !cfg.KeepUnsynced {
		kept = r.IntN(len(d.pending) + 1)
	}
	for i := 0; i < kept; i++ {
		op := d.pending[i]
		if i == kept-1 && cfg.Torn && op.kind == opAppend && len(op.data) > 0 && r.Chance(0.5) {
			op.data = op.data[:r.IntN(len(op.data))]
			torn = true
		}
		d.apply(op)
		switch op.kind {
		case opWrite: // the file's content now is none of what was synced
			d.synced[op.name] = 0
		case opRemove:
			delete(d.synced, op.name)
		}
	}
	d.pending = nil
	d.view = nil
	return kept, torn
}

// diskHandle is the node.Disk of one running incarnation.
type diskHandle struct{ e *nodeEnv }

func (h diskHandle) view() map[string][]byte {
	h.e.check()
	return h.e.n.disk.view
}

func (h diskHandle) ReadFile(name string) ([]byte, error) {
	data, ok := h.view()[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return slices.Clone(data), nil
}

func (h diskHandle) WriteFile(name string, data []byte) {
	v := h.view()
	owned := slices.Clip(slices.Clone(data))
	if owned == nil {
		owned = []byte{}
	}
	v[name] = owned
	h.record(diskOp{kind: opWrite, name: name, data: owned})
}

func (h diskHandle) Append(name string, data []byte) {
	v := h.view()
	owned := slices.Clip(slices.Clone(data))
	if owned == nil {
		owned = []byte{}
	}
	v[name] = append(v[name], owned...)
	h.record(diskOp{kind: opAppend, name: name, data: owned})
}

func (h diskHandle) Remove(name string) {
	delete(h.view(), name)
	h.record(diskOp{kind: opRemove, name: name})
}

func (h diskHandle) Names() []string { return node.SortedKeys(h.view()) }

func (h diskHandle) Sync() {
	h.e.check()
	h.e.w.effects = append(h.e.w.effects, effect{kind: effSync})
}

func (h diskHandle) SyncFile(name string) {
	h.e.check()
	h.e.w.effects = append(h.e.w.effects, effect{kind: effSyncFile, op: diskOp{name: name}})
}

func (h diskHandle) record(op diskOp) {
	h.e.w.effects = append(h.e.w.effects, effect{kind: effDisk, op: op})
}

// DiskSize is the number of bytes in the files of node id's disk as its
// running incarnation sees them (synced or not): what the node stores,
// for a scenario's storage bound.
func (w *World) DiskSize(id node.ID) int {
	n := 0
	for _, data := range w.node(id).disk.view {
		n += len(data)
	}
	return n
}
