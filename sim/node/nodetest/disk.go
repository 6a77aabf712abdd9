package nodetest

import (
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// Disk is an in-memory node.Disk that tells synced from unsynced writes.
type Disk struct {
	view    map[string][]byte
	durable map[string][]byte
	Syncs   int // number of Sync calls
}

// NewDisk returns an empty disk.
func NewDisk() *Disk {
	return &Disk{view: map[string][]byte{}, durable: map[string][]byte{}}
}

// ReadFile implements node.Disk.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	b, ok := d.view[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return slices.Clone(b), nil
}

// WriteFile implements node.Disk.
func (d *Disk) WriteFile(name string, data []byte) { d.view[name] = slices.Clone(data) }

// Append implements node.Disk.
func (d *Disk) Append(name string, data []byte) {
	d.view[name] = append(slices.Clip(d.view[name]), data...)
}

// Remove implements node.Disk.
func (d *Disk) Remove(name string) { delete(d.view, name) }

// Names implements node.Disk.
func (d *Disk) Names() []string { return node.SortedKeys(d.view) }

// Sync implements node.Disk: everything written so far becomes durable.
func (d *Disk) Sync() {
	d.Syncs++
	d.durable = make(map[string][]byte, len(d.view))
	for _, name := range node.SortedKeys(d.view) {
		d.durable[name] = slices.Clip(d.view[name])
	}
}

// Crash drops every write since the last Sync.
func (d *Disk) Crash() {
	d.view = make(map[string][]byte, len(d.durable))
	for _, name := range node.SortedKeys(d.durable) {
		d.view[name] = slices.Clip(d.durable[name])
	}
}
