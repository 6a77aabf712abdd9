package guest

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"

	"github.com/simlab-go/simlab/sim/node"
)

// A guest node's files live on its node.Disk, mounted at /data: what the
// guest writes is a write of the disk, its fsync of a file is the disk's
// SyncFile, and a crash keeps what the disk model keeps (everything
// synced, a prefix of the rest in order, the last append perhaps torn).
//
// How the guest's calls become the disk's:
//   - A write at a file's end is an Append, which a crash may tear.
//   - A write inside a file, a truncation and a creation replace the file
//     (WriteFile): a crash keeps the new content or the old, never a mix.
//   - A rename writes the new name and then removes the old: a crash
//     between the two keeps both, the new one whole.
//   - A directory is a name ending in "/" (an empty file). The fsync of a
//     directory makes its own creation durable, and the changes of its
//     entries: a file created, renamed in or removed. A file's fsync makes
//     its name durable too (POSIX asks for the directory's as well; a
//     program that forgets it is not caught here).
//
// The guest's view is a cache of the disk's, built once per incarnation:
// the guest is its only writer.

// diskMount is where a guest node's disk appears.
const diskMount = "/data"

// diskFS is the file system of /data.
type diskFS struct {
	experimentalsys.UnimplementedFS
	run   *nodeRun
	epoch int64
	files map[string][]byte // the disk's view, loaded at the first call
	// named holds the names created, replaced or removed since their last
	// sync: a directory's fsync makes its entries' changes durable.
	named map[string]bool
}

func (d *diskFS) disk() node.Disk { return d.run.env.Disk() }

// load reads the disk once.
func (d *diskFS) load() {
	if d.files != nil {
		return
	}
	d.files, d.named = map[string][]byte{}, map[string]bool{}
	disk := d.disk()
	for _, name := range disk.Names() {
		data, err := disk.ReadFile(name)
		if err == nil {
			d.files[name] = data
		}
	}
}

// clean turns a path of the mount into a disk name: "" is the root.
func clean(p string) string {
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

// isDir says whether name is a directory: the root, one made, or one that
// holds a file (whose own sync made it durable where the directory's was
// lost).
func (d *diskFS) isDir(name string) bool {
	if name == "" {
		return true
	}
	if _, ok := d.files[name+"/"]; ok {
		return true
	}
	for f := range d.files {
		if strings.HasPrefix(f, name+"/") {
			return true
		}
	}
	return false
}

// parentOK says whether name's directory exists.
func (d *diskFS) parentOK(name string) bool {
	dir := path.Dir(name)
	if dir == "." {
		dir = ""
	}
	return d.isDir(dir)
}

func (d *diskFS) stat(name string) (sys.Stat_t, experimentalsys.Errno) {
	d.load()
	st := sys.Stat_t{Dev: 1, Ino: sys.Inode(node.HashString(name)), Nlink: 1, Atim: d.epoch, Mtim: d.epoch, Ctim: d.epoch}
	switch data, ok := d.files[name]; {
	case ok:
		st.Mode, st.Size = 0o644, int64(len(data))
	case d.isDir(name):
		st.Mode = fs.ModeDir | 0o755
	default:
		return sys.Stat_t{}, experimentalsys.ENOENT
	}
	return st, 0
}

func (d *diskFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno)  { return d.stat(clean(p)) }
func (d *diskFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) { return d.stat(clean(p)) }

func (d *diskFS) OpenFile(p string, flag experimentalsys.Oflag, _ fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	d.load()
	name := clean(p)
	if d.isDir(name) {
		if flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0 {
			return nil, experimentalsys.EISDIR
		}
		return &diskFile{fs: d, name: name, dir: true}, 0
	}
	if flag&experimentalsys.O_DIRECTORY != 0 {
		return nil, experimentalsys.ENOTDIR
	}
	_, exists := d.files[name]
	switch {
	case exists && flag&experimentalsys.O_CREAT != 0 && flag&experimentalsys.O_EXCL != 0:
		return nil, experimentalsys.EEXIST
	case !exists && flag&experimentalsys.O_CREAT == 0:
		return nil, experimentalsys.ENOENT
	case !exists && !d.parentOK(name):
		return nil, experimentalsys.ENOENT
	case !exists || flag&experimentalsys.O_TRUNC != 0:
		d.replace(name, nil)
	}
	f := &diskFile{fs: d, name: name, append: flag&experimentalsys.O_APPEND != 0}
	f.writable = flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0
	f.readable = flag&experimentalsys.O_WRONLY == 0
	return f, 0
}

// replace sets a file's whole content.
func (d *diskFS) replace(name string, data []byte) {
	if data == nil {
		data = []byte{}
	}
	d.files[name] = data
	d.named[name] = true
	d.disk().WriteFile(name, data)
}

// syncFile makes a file's writes (and its name's change) durable.
func (d *diskFS) syncFile(name string) {
	delete(d.named, name)
	d.disk().SyncFile(name)
}

// syncDir makes durable what changed among dir's entries (creations,
// renames, removals), as fsync of a directory does; "" is the root.
func (d *diskFS) syncDir(dir string) {
	if dir != "" {
		d.syncFile(dir + "/")
	}
	for _, name := range node.SortedKeys(d.named) {
		parent := path.Dir(strings.TrimSuffix(name, "/"))
		if parent == "." {
			parent = ""
		}
		if parent == dir {
			d.syncFile(name)
		}
	}
}

func (d *diskFS) Mkdir(p string, _ fs.FileMode) experimentalsys.Errno {
	d.load()
	name := clean(p)
	if _, ok := d.files[name]; ok || d.isDir(name) {
		return experimentalsys.EEXIST
	}
	if !d.parentOK(name) {
		return experimentalsys.ENOENT
	}
	d.replace(name+"/", nil)
	return 0
}

// children lists the names directly in directory dir: files, and
// directories with a "/" at their end.
func (d *diskFS) children(dir string) []string {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	var out []string
	for name := range d.files {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 && i < len(rest)-1 {
			continue // deeper down
		}
		out = append(out, rest)
	}
	slices.Sort(out)
	return out
}

func (d *diskFS) Rmdir(p string) experimentalsys.Errno {
	d.load()
	name := clean(p)
	switch {
	case name == "":
		return experimentalsys.EINVAL
	case !d.isDir(name):
		return experimentalsys.ENOTDIR
	case len(d.children(name)) > 0:
		return experimentalsys.ENOTEMPTY
	}
	d.remove(name + "/")
	return 0
}

func (d *diskFS) remove(name string) {
	delete(d.files, name)
	d.named[name] = true
	d.disk().Remove(name)
}

func (d *diskFS) Unlink(p string) experimentalsys.Errno {
	d.load()
	name := clean(p)
	if d.isDir(name) {
		return experimentalsys.EISDIR
	}
	if _, ok := d.files[name]; !ok {
		return experimentalsys.ENOENT
	}
	d.remove(name)
	return 0
}

func (d *diskFS) Rename(from, to string) experimentalsys.Errno {
	d.load()
	src, dst := clean(from), clean(to)
	if d.isDir(src) {
		return d.renameDir(src, dst)
	}
	data, ok := d.files[src]
	switch {
	case !ok:
		return experimentalsys.ENOENT
	case d.isDir(dst):
		return experimentalsys.EISDIR
	case !d.parentOK(dst):
		return experimentalsys.ENOENT
	case src == dst:
		return 0
	}
	d.replace(dst, data)
	d.remove(src)
	return 0
}

// renameDir moves a directory and everything under it; the target must not
// exist or be an empty directory.
func (d *diskFS) renameDir(src, dst string) experimentalsys.Errno {
	if src == "" || dst == "" || strings.HasPrefix(dst+"/", src+"/") {
		return experimentalsys.EINVAL
	}
	if _, ok := d.files[dst]; ok {
		return experimentalsys.ENOTDIR
	}
	if d.isDir(dst) {
		if len(d.children(dst)) > 0 {
			return experimentalsys.ENOTEMPTY
		}
		d.remove(dst + "/")
	}
	if !d.parentOK(dst) {
		return experimentalsys.ENOENT
	}
	var moved []string
	for name := range d.files {
		if strings.HasPrefix(name, src+"/") {
			moved = append(moved, name)
		}
	}
	slices.Sort(moved)
	for _, name := range moved {
		d.replace(dst+strings.TrimPrefix(name, src), d.files[name])
	}
	for _, name := range moved {
		d.remove(name)
	}
	return 0
}

func (d *diskFS) Chmod(string, fs.FileMode) experimentalsys.Errno    { return 0 }
func (d *diskFS) Utimens(string, int64, int64) experimentalsys.Errno { return 0 }

// diskFile is an open file or directory of /data.
type diskFile struct {
	experimentalsys.UnimplementedFile
	fs       *diskFS
	name     string
	dir      bool
	append   bool
	readable bool
	writable bool
	off      int64
	listed   []string // a directory's entries not yet read
	listing  bool
}

func (f *diskFile) data() []byte { return f.fs.files[f.name] }

func (f *diskFile) IsDir() (bool, experimentalsys.Errno) { return f.dir, 0 }
func (f *diskFile) IsAppend() bool                       { return f.append }
func (f *diskFile) SetAppend(on bool) experimentalsys.Errno {
	f.append = on
	return 0
}

func (f *diskFile) Stat() (sys.Stat_t, experimentalsys.Errno) { return f.fs.stat(f.name) }
func (f *diskFile) Ino() (sys.Inode, experimentalsys.Errno) {
	return sys.Inode(node.HashString(f.name)), 0
}
func (f *diskFile) Dev() (uint64, experimentalsys.Errno) { return 1, 0 }

// gone says whether the file was removed while open: its reads and writes
// then fail, where a real file would go on unnamed.
func (f *diskFile) gone() bool {
	_, ok := f.fs.files[f.name]
	return !ok
}

func (f *diskFile) Read(p []byte) (int, experimentalsys.Errno) {
	n, errno := f.Pread(p, f.off)
	f.off += int64(n)
	return n, errno
}

// usable says why the file cannot be read (or written) at off, or 0.
func (f *diskFile) usable(write bool, off int64) experimentalsys.Errno {
	switch {
	case f.dir:
		return experimentalsys.EISDIR
	case write && !f.writable, !write && !f.readable:
		return experimentalsys.EBADF
	case f.gone():
		return experimentalsys.EIO
	case off < 0:
		return experimentalsys.EINVAL
	}
	return 0
}

func (f *diskFile) Pread(p []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.usable(false, off); errno != 0 {
		return 0, errno
	}
	data := f.data()
	if off >= int64(len(data)) {
		return 0, 0
	}
	return copy(p, data[off:]), 0
}

// fileOffset is int64 under another name, only so that go vet does not
// take Seek (wazero's, which answers an Errno) for a misspelt io.Seeker.
type fileOffset = int64

func (f *diskFile) Seek(off fileOffset, whence int) (fileOffset, experimentalsys.Errno) {
	if f.dir {
		if off == 0 && whence == io.SeekStart {
			f.listing, f.listed = false, nil
			return 0, 0
		}
		return 0, experimentalsys.EISDIR
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += f.off
	case io.SeekEnd:
		off += int64(len(f.data()))
	default:
		return 0, experimentalsys.EINVAL
	}
	if off < 0 {
		return 0, experimentalsys.EINVAL
	}
	f.off = off
	return off, 0
}

func (f *diskFile) Write(p []byte) (int, experimentalsys.Errno) {
	off := f.off
	if f.append {
		off = int64(len(f.data()))
	}
	n, errno := f.Pwrite(p, off)
	f.off = off + int64(n)
	return n, errno
}

func (f *diskFile) Pwrite(p []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.usable(true, off); errno != 0 || len(p) == 0 {
		return 0, errno
	}
	data := f.data()
	if off == int64(len(data)) {
		f.fs.files[f.name] = append(data, p...)
		f.fs.disk().Append(f.name, p)
		return len(p), 0
	}
	end := max(int64(len(data)), off+int64(len(p)))
	next := make([]byte, end)
	copy(next, data)
	copy(next[off:], p)
	f.fs.replace(f.name, next)
	return len(p), 0
}

func (f *diskFile) Truncate(size int64) experimentalsys.Errno {
	if errno := f.usable(true, size); errno != 0 {
		return errno
	}
	data := f.data()
	if size == int64(len(data)) {
		return 0
	}
	next := make([]byte, size)
	copy(next, data)
	f.fs.replace(f.name, next)
	return 0
}

// Sync is the guest's fsync: the file's writes become durable; for a
// directory, its own creation and the changes of its entries (a file
// renamed into it, one removed).
func (f *diskFile) Sync() experimentalsys.Errno {
	if f.dir {
		f.fs.syncDir(f.name)
	} else {
		f.fs.syncFile(f.name)
	}
	return 0
}

func (f *diskFile) Datasync() experimentalsys.Errno { return f.Sync() }

func (f *diskFile) Utimens(int64, int64) experimentalsys.Errno { return 0 }

func (f *diskFile) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if !f.dir {
		return nil, experimentalsys.ENOTDIR
	}
	if !f.listing {
		f.listing, f.listed = true, f.fs.children(f.name)
	}
	if n < 0 || n > len(f.listed) {
		n = len(f.listed)
	}
	out := make([]experimentalsys.Dirent, 0, n)
	for _, child := range f.listed[:n] {
		e := experimentalsys.Dirent{Name: strings.TrimSuffix(child, "/")}
		full := e.Name
		if f.name != "" {
			full = f.name + "/" + e.Name
		}
		e.Ino = sys.Inode(node.HashString(full))
		if strings.HasSuffix(child, "/") {
			e.Type = fs.ModeDir
		}
		out = append(out, e)
	}
	f.listed = f.listed[n:]
	return out, 0
}

func (f *diskFile) Close() experimentalsys.Errno { return 0 }
