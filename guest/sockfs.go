package guest

import (
	"io/fs"
	"strconv"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// A guest reaches its sockets as files under /simlab/sock: the guest
// package (guest/simnet) asks the host for a listener or a connection (a
// call of the host module "simlab"), opens its file, makes it
// non-blocking and tells the host which descriptor it got, so that Go's
// own poller waits on it: a read with nothing to read says EAGAIN, the
// goroutine parks, and poll_oneoff reports the descriptor ready when a
// segment brings something. So every other goroutine of the guest runs
// while one waits for the network, and deadlines are the poller's.

// sockMount is where a guest node's sockets appear.
const sockMount = "/simlab"

// sockFS is the file system of /simlab.
type sockFS struct {
	experimentalsys.UnimplementedFS
	run *nodeRun
}

func (f sockFS) OpenFile(path string, _ experimentalsys.Oflag, _ fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if path == "." || path == "" || path == "sock" {
		return sockDir{}, 0 // the mount's root, which wazero opens as a preopen
	}
	rest, ok := strings.CutPrefix(path, "sock/")
	if !ok {
		return nil, experimentalsys.ENOENT
	}
	h, err := strconv.ParseInt(rest, 10, 32)
	if err != nil {
		return nil, experimentalsys.ENOENT
	}
	s := f.run.stack.handles[int32(h)]
	if s == nil {
		return nil, experimentalsys.ENOENT
	}
	return &sockFile{run: f.run, s: s}, 0
}

// sockDir is a directory of /simlab, listed as empty.
type sockDir struct {
	experimentalsys.UnimplementedFile
}

func (sockDir) IsDir() (bool, experimentalsys.Errno) { return true, 0 }
func (sockDir) Stat() (sys.Stat_t, experimentalsys.Errno) {
	return sys.Stat_t{Mode: fs.ModeDir | 0o500, Nlink: 1}, 0
}
func (sockDir) Readdir(int) ([]experimentalsys.Dirent, experimentalsys.Errno) { return nil, 0 }

// sockFile is the guest's descriptor of a socket.
type sockFile struct {
	experimentalsys.UnimplementedFile
	run *nodeRun
	s   *sock
}

func (f *sockFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	return sys.Stat_t{Mode: fs.ModeSocket | 0o600, Nlink: 1, Ino: sys.Inode(f.s.handle)}, 0
}

func (f *sockFile) IsDir() (bool, experimentalsys.Errno) { return false, 0 }

func (f *sockFile) Read(p []byte) (int, experimentalsys.Errno) {
	if f.s.listener {
		// A listener reads as the handle of its next connection.
		c, errno := f.run.stack.next(f.s)
		if errno != 0 {
			return 0, errno
		}
		return copy(p, strconv.AppendInt(nil, int64(c.handle), 10)), 0
	}
	return f.run.stack.read(f.s, p)
}

func (f *sockFile) Write(p []byte) (int, experimentalsys.Errno) {
	return f.run.stack.write(f.run.env, f.s, p)
}

func (f *sockFile) Close() experimentalsys.Errno {
	if !f.run.discarded {
		f.run.stack.close(f.run.env, f.s)
	}
	return 0
}

// The guest's poller needs non-blocking descriptors; readiness is
// poll_oneoff's, which asks the stack (netStack.ready), so Poll is never
// used.
func (f *sockFile) IsNonblock() bool                       { return true }
func (f *sockFile) SetNonblock(bool) experimentalsys.Errno { return 0 }
func (f *sockFile) Poll(flag experimentalsys.Pflag, _ int32) (bool, experimentalsys.Errno) {
	return f.s.ready(flag&experimentalsys.POLLOUT != 0), 0
}

// ready says whether descriptor fd is ready for a read (or a write): a
// socket's readiness is the stack's, and any other descriptor (a file,
// standard input) is always ready.
func (st *netStack) ready(fd int32, write bool) bool {
	s := st.fds[fd]
	return s == nil || s.ready(write)
}
