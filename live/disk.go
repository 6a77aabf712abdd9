package live

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// Disk is node.Disk over a directory of real files. Writes reach the files
// at once (so they are visible to the node, and to the page cache); Sync
// fsyncs every file written since the last Sync and the directory, so that
// what the node synced survives a power cut. What was not synced may
// survive in any order: the kernel writes pages back when it likes, so of
// two appends to two files the later may reach the disk alone. (The
// simulator keeps a prefix of them, in order; code that persists orders
// its durability with Sync, as Raft's and Paxos's do.) WriteFile writes a temporary
// file, fsyncs it and renames it over the old one, so a file replaced is
// either the old version or the new one, never a mix.
//
// Disk names may hold any byte: each is escaped into one file name.
//
// A Disk is used by one node's event loop; its methods are not safe for
// concurrent use.
type Disk struct {
	dir string
	// open holds the files Append wrote to, kept open for the next
	// append; dirty the files to fsync at the next Sync (by name), and
	// dirDirty whether a file was created, renamed or removed since.
	open     map[string]*os.File
	dirty    map[string]bool
	dirDirty bool
	// err is the first I/O error: a disk that fails a write can no longer
	// promise anything, so every later call panics with it (the node
	// stops; see Node).
	err error
}

// OpenDisk opens (creating it if needed) the directory dir as a node's disk.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("live: disk: %w", err)
	}
	d := &Disk{dir: dir, open: map[string]*os.File{}, dirty: map[string]bool{}}
	// Remove temporaries a crash left behind in the middle of a WriteFile.
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("live: disk: %w", err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "~") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return d, nil
}

// Path is the path of the file that holds the disk file name.
func (d *Disk) Path(name string) string { return d.path(name) }

// Dir is the directory the disk lives in.
func (d *Disk) Dir() string { return d.dir }

// FileName is the name under which a Disk keeps the disk file name in
// its directory.
func FileName(name string) string { return "=" + url.PathEscape(name) }

// A disk file's name is "=" and its escaped name: PathEscape leaves "."
// and ".." alone, and the "=" keeps every name clear of them. WriteFile's
// temporaries start with "~".
func (d *Disk) path(name string) string {
	return filepath.Join(d.dir, FileName(name))
}

func (d *Disk) tempPath(name string) string {
	return filepath.Join(d.dir, "~"+url.PathEscape(name))
}

func (d *Disk) fail(op, name string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("live: disk %s: %s %q: %w", d.dir, op, name, err)
	}
	panic(d.err)
}

func (d *Disk) check() {
	if d.err != nil {
		panic(d.err)
	}
}

// ReadFile returns a copy of the named file, or node.ErrNotExist.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	d.check()
	b, err := os.ReadFile(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, node.ErrNotExist
	}
	return b, err
}

// WriteFile replaces the named file atomically and durably: temporary
// file, fsync, rename. The rename is made durable by the next Sync.
func (d *Disk) WriteFile(name string, data []byte) {
	d.check()
	d.closeOpen(name)
	p, tmp := d.path(name), d.tempPath(name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		d.fail("write", name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		d.fail("write", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		d.fail("sync", name, err)
	}
	if err := f.Close(); err != nil {
		d.fail("write", name, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		d.fail("rename", name, err)
	}
	delete(d.dirty, name)
	d.dirDirty = true
}

// Append adds data to the end of the named file, creating it.
func (d *Disk) Append(name string, data []byte) {
	d.check()
	f := d.open[name]
	if f == nil {
		var err error
		f, err = os.OpenFile(d.path(name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			d.fail("append", name, err)
		}
		d.open[name] = f
		d.dirDirty = true // it may be new
	}
	if _, err := f.Write(data); err != nil {
		d.fail("append", name, err)
	}
	d.dirty[name] = true
}

func (d *Disk) closeOpen(name string) {
	// What was appended is about to be replaced or removed: no need to
	// make it durable first.
	if f := d.open[name]; f != nil {
		f.Close()
		delete(d.open, name)
	}
	delete(d.dirty, name)
}

// Remove deletes the named file; a missing file is not an error.
func (d *Disk) Remove(name string) {
	d.check()
	d.closeOpen(name)
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.fail("remove", name, err)
	}
	d.dirDirty = true
}

// Names lists the disk's files in lexical order of their names.
func (d *Disk) Names() []string {
	d.check()
	names, err := d.list()
	if err != nil {
		d.fail("list", d.dir, err)
	}
	return names
}

func (d *Disk) list() ([]string, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if len(n) == 0 || n[0] != '=' {
			continue
		}
		name, err := url.PathUnescape(n[1:])
		if err != nil {
			continue // not one of ours
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// Sync makes every write before it durable: it fsyncs the files appended
// to since the last Sync, then the directory (for creations, renames and
// removals).
func (d *Disk) Sync() {
	d.check()
	for name := range d.dirty { //simlab:unordered each file is fsynced; the order does not matter
		if err := d.open[name].Sync(); err != nil {
			d.fail("sync", name, err)
		}
	}
	clear(d.dirty)
	if d.dirDirty {
		if err := syncDir(d.dir); err != nil {
			d.fail("sync", d.dir, err)
		}
		d.dirDirty = false
	}
}

// SyncFile makes the writes to one file durable: it fsyncs the file if it
// was appended to since the last sync, and the directory if a file was
// created, replaced or removed since (POSIX makes a new name durable only
// through its directory, and this disk does not track which names are new,
// so it syncs the directory whenever one may be).
func (d *Disk) SyncFile(name string) {
	d.check()
	if d.dirty[name] {
		if err := d.open[name].Sync(); err != nil {
			d.fail("sync", name, err)
		}
		delete(d.dirty, name)
	}
	if d.dirDirty {
		if err := syncDir(d.dir); err != nil {
			d.fail("sync", d.dir, err)
		}
		d.dirDirty = false
	}
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Close closes the files the disk holds open, without syncing them.
func (d *Disk) Close() error {
	for name, f := range d.open { //simlab:unordered closing each file; the order does not matter
		f.Close()
		delete(d.open, name)
	}
	return nil
}

// ReadOnly returns the disk's files by name, for inspecting a node's state
// without running it (see the state command of cmd/simlab-node).
func ReadOnly(dir string) (map[string][]byte, error) {
	d := &Disk{dir: dir}
	names, err := d.list()
	if err != nil {
		return nil, fmt.Errorf("live: disk: %w", err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(d.path(n))
		if err != nil {
			return nil, fmt.Errorf("live: disk: %w", err)
		}
		files[n] = b
	}
	return files, nil
}

var _ node.Disk = (*Disk)(nil)
