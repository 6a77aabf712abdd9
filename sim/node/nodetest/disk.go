package nodetest

import (
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// Disk is an in-memory node.Disk that tells synced from unsynced writes:
// reads and writes go to the files as written (node.MemDisk), and Crash
// takes them back to what the last Sync saw.
type Disk struct {
	node.MemDisk
	durable map[string][]byte
	Syncs   int // number of Sync calls
}

// NewDisk returns an empty disk.
func NewDisk() *Disk {
	return &Disk{MemDisk: node.MemDisk{}, durable: map[string][]byte{}}
}

// Sync implements node.Disk: everything written so far becomes durable.
func (d *Disk) Sync() {
	d.Syncs++
	d.durable = make(map[string][]byte, len(d.MemDisk))
	for _, name := range d.Names() {
		d.durable[name] = slices.Clip(d.MemDisk[name])
	}
}

// SyncFile implements node.Disk: what was written to name so far becomes
// durable (and its removal, if it is gone).
func (d *Disk) SyncFile(name string) {
	d.Syncs++
	if data, ok := d.MemDisk[name]; ok {
		d.durable[name] = slices.Clip(data)
	} else {
		delete(d.durable, name)
	}
}

// Crash drops every write since the last Sync.
func (d *Disk) Crash() {
	d.MemDisk = make(node.MemDisk, len(d.durable))
	for _, name := range node.SortedKeys(d.durable) {
		d.MemDisk[name] = slices.Clip(d.durable[name])
	}
}
