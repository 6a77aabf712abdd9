package node

import "slices"

// MemDisk is a Disk in memory on which every write is durable at once: the
// disk of a node booted only to be looked at (live's OfflineEnv), and the
// files under a test disk that tells synced from unsynced writes
// (nodetest.Disk). Make one with make(MemDisk).
type MemDisk map[string][]byte

// ReadFile implements Disk.
func (d MemDisk) ReadFile(name string) ([]byte, error) {
	b, ok := d[name]
	if !ok {
		return nil, ErrNotExist
	}
	return slices.Clone(b), nil
}

// WriteFile implements Disk.
func (d MemDisk) WriteFile(name string, data []byte) { d[name] = slices.Clone(data) }

// Append implements Disk.
func (d MemDisk) Append(name string, data []byte) {
	d[name] = append(slices.Clip(d[name]), data...)
}

// Remove implements Disk.
func (d MemDisk) Remove(name string) { delete(d, name) }

// Names implements Disk: the files, in order.
func (d MemDisk) Names() []string { return SortedKeys(d) }

// Sync implements Disk; every write already is durable.
func (d MemDisk) Sync() {}

// SyncFile implements Disk; every write already is durable.
func (d MemDisk) SyncFile(string) {}

var _ Disk = MemDisk(nil)
