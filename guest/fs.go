package guest

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// The guest's files: host directories seen through a filter that keeps the
// host's clock and directory order out of the run. A file's times are the
// run's epoch, whatever the host says, and a directory lists its entries
// sorted by name, not in the order the host's file system keeps them.

// mounts is the file system a run sees: dir read-only at /work (when set)
// and scratch at /tmp.
func mounts(dir, scratch string, epoch int64) wazero.FSConfig {
	fc := wazero.NewFSConfig().(sysfs.FSConfig)
	var out wazero.FSConfig
	if dir != "" {
		out = fc.WithSysFSMount(detFS{&sysfs.ReadFS{FS: sysfs.DirFS(dir)}, epoch}, "/work")
		fc = out.(sysfs.FSConfig)
	}
	return fc.WithSysFSMount(detFS{sysfs.DirFS(scratch), epoch}, "/tmp")
}

type detFS struct {
	experimentalsys.FS
	epoch int64
}

func (f detFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	file, errno := f.FS.OpenFile(path, flag, perm)
	if errno != 0 {
		return nil, errno
	}
	return &detFile{File: file, epoch: f.epoch}, 0
}

func (f detFS) Stat(path string) (sys.Stat_t, experimentalsys.Errno) {
	st, errno := f.FS.Stat(path)
	return fixTimes(st, f.epoch), errno
}

func (f detFS) Lstat(path string) (sys.Stat_t, experimentalsys.Errno) {
	st, errno := f.FS.Lstat(path)
	return fixTimes(st, f.epoch), errno
}

func fixTimes(st sys.Stat_t, epoch int64) sys.Stat_t {
	st.Atim, st.Mtim, st.Ctim = epoch, epoch, epoch
	return st
}

type detFile struct {
	experimentalsys.File
	epoch   int64
	entries []experimentalsys.Dirent // a directory's, read ahead and sorted
}

func (f *detFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	st, errno := f.File.Stat()
	return fixTimes(st, f.epoch), errno
}

// Readdir reads the rest of the directory when it has nothing read ahead,
// and hands the entries out in name order. A rewind (Seek to 0, which the
// file passes on) after a listing read to its end starts over; one in the
// middle of a listing would first hand out what was read ahead, which no
// listing written in Go (os.ReadDir, filepath.WalkDir) does.
func (f *detFile) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if len(f.entries) == 0 {
		all, errno := f.File.Readdir(-1)
		if errno != 0 {
			return nil, errno
		}
		slices.SortFunc(all, func(a, b experimentalsys.Dirent) int { return strings.Compare(a.Name, b.Name) })
		f.entries = all
	}
	if n < 0 || n > len(f.entries) {
		n = len(f.entries)
	}
	out := f.entries[:n:n]
	f.entries = f.entries[n:]
	return out, 0
}
