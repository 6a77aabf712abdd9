package guest

import (
	"io"
	"slices"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"

	"github.com/simlab-go/simlab/sim/node/nodetest"
)

// diskOf is a /data over a fresh node disk.
func diskOf(env *nodetest.Env) *diskFS {
	return &diskFS{run: &nodeRun{env: env}}
}

func mustOpen(t *testing.T, d *diskFS, p string, flag experimentalsys.Oflag) experimentalsys.File {
	t.Helper()
	f, errno := d.OpenFile(p, flag, 0o644)
	if errno != 0 {
		t.Fatalf("OpenFile(%q): %v", p, errno)
	}
	return f
}

func contents(t *testing.T, d *diskFS, p string) string {
	t.Helper()
	f := mustOpen(t, d, p, experimentalsys.O_RDONLY)
	var out []byte
	buf := make([]byte, 3)
	for {
		n, errno := f.Read(buf)
		if errno != 0 {
			t.Fatalf("Read(%q): %v", p, errno)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// TestDiskFSCalls: what a guest's file calls do to its files.
func TestDiskFSCalls(t *testing.T) {
	env := nodetest.New(1, 1)
	d := diskOf(env)
	const rw, create = experimentalsys.O_RDWR, experimentalsys.O_CREAT
	f := mustOpen(t, d, "log", rw|create)
	f.Write([]byte("hello"))
	f.Write([]byte(" world"))
	if _, errno := f.Pwrite([]byte("J"), 0); errno != 0 {
		t.Fatal(errno)
	}
	if off, _ := f.Seek(-5, io.SeekEnd); off != 6 {
		t.Errorf("Seek(-5, end) = %d; want 6", off)
	}
	f.Write([]byte("W"))
	if got := contents(t, d, "log"); got != "Jello World" {
		t.Errorf("after writes at the end, at 0 and after a seek: %q; want %q", got, "Jello World")
	}
	f.Truncate(5)
	if got := contents(t, d, "/log"); got != "Jello" {
		t.Errorf("after Truncate(5): %q", got)
	}
	if _, errno := d.OpenFile("sub/x", rw|create, 0); errno != experimentalsys.ENOENT {
		t.Errorf("creating a file in a missing directory: %v; want ENOENT", errno)
	}
	if errno := d.Mkdir("sub", 0o755); errno != 0 {
		t.Fatal(errno)
	}
	if errno := d.Mkdir("sub", 0o755); errno != experimentalsys.EEXIST {
		t.Errorf("Mkdir twice: %v; want EEXIST", errno)
	}
	g := mustOpen(t, d, "sub/tmp", rw|create|experimentalsys.O_EXCL)
	g.Write([]byte("new"))
	if _, errno := d.OpenFile("sub/tmp", rw|create|experimentalsys.O_EXCL, 0); errno != experimentalsys.EEXIST {
		t.Errorf("O_EXCL on an existing file: %v; want EEXIST", errno)
	}
	if errno := d.Rename("sub/tmp", "sub/final"); errno != 0 {
		t.Fatal(errno)
	}
	if got := contents(t, d, "sub/final"); got != "new" {
		t.Errorf("renamed file: %q", got)
	}
	if _, errno := d.Stat("sub/tmp"); errno != experimentalsys.ENOENT {
		t.Errorf("Stat of a renamed-away file: %v; want ENOENT", errno)
	}
	if errno := d.Rmdir("sub"); errno != experimentalsys.ENOTEMPTY {
		t.Errorf("Rmdir of a full directory: %v; want ENOTEMPTY", errno)
	}
	root := mustOpen(t, d, ".", experimentalsys.O_RDONLY)
	ents, _ := root.Readdir(-1)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if want := []string{"log", "sub"}; !slices.Equal(names, want) || !ents[1].IsDir() {
		t.Errorf("the root lists %v; want %v, sub a directory", names, want)
	}
	if errno := d.Rename("sub", "moved"); errno != 0 {
		t.Fatal(errno)
	}
	if got := contents(t, d, "moved/final"); got != "new" {
		t.Errorf("a file of a renamed directory: %q", got)
	}
	if errno := d.Unlink("moved/final"); errno != 0 {
		t.Fatal(errno)
	}
	if errno := d.Rmdir("moved"); errno != 0 {
		t.Errorf("Rmdir of an emptied directory: %v", errno)
	}
	if st, errno := d.Stat("log"); errno != 0 || st.Size != 5 {
		t.Errorf("Stat(log) = %+v, %v; want size 5", st, errno)
	}
}

// TestDiskFSCrash: a crash keeps what the guest fsynced, file by file, and
// the cache of a new incarnation reads what the disk kept.
func TestDiskFSCrash(t *testing.T) {
	const rw = experimentalsys.O_RDWR | experimentalsys.O_CREAT
	env := nodetest.New(1, 1)
	d := diskOf(env)
	b := mustOpen(t, d, "b", rw)
	b.Write([]byte("never synced")) // before a's fsync, which is a's alone
	a := mustOpen(t, d, "a", rw)
	a.Write([]byte("synced"))
	a.Sync()
	a.Write([]byte(" lost"))
	d.Mkdir("dir", 0o755)
	dir := mustOpen(t, d, "dir", experimentalsys.O_RDONLY)
	dir.Sync()
	env.Store().Crash()

	d2 := diskOf(env)
	if got := contents(t, d2, "a"); got != "synced" {
		t.Errorf("a after the crash: %q; want what was synced", got)
	}
	if _, errno := d2.Stat("b"); errno != experimentalsys.ENOENT {
		t.Errorf("b, never synced, after the crash: %v; want ENOENT", errno)
	}
	if st, errno := d2.Stat("dir"); errno != 0 || !st.Mode.IsDir() {
		t.Errorf("a synced directory after the crash: %+v, %v", st, errno)
	}
}

// TestDiskFSDirectorySyncKeepsARename: a file written and synced under a
// temporary name, renamed, and its directory synced, survives a crash
// under its new name (how raft's snapshot store makes a snapshot durable);
// without the directory's sync the rename may be lost.
func TestDiskFSDirectorySyncKeepsARename(t *testing.T) {
	for _, syncDir := range []bool{true, false} {
		env := nodetest.New(1, 1)
		d := diskOf(env)
		d.Mkdir("snaps", 0o755)
		f := mustOpen(t, d, "snaps/tmp", experimentalsys.O_RDWR|experimentalsys.O_CREAT)
		f.Write([]byte("state"))
		f.Sync()
		d.Rename("snaps/tmp", "snaps/final")
		if syncDir {
			mustOpen(t, d, "snaps", experimentalsys.O_RDONLY).Sync()
		}
		env.Store().Crash()
		_, errno := diskOf(env).Stat("snaps/final")
		if syncDir && errno != 0 {
			t.Errorf("a rename whose directory was synced is lost at a crash: %v", errno)
		}
		if !syncDir && errno == 0 {
			t.Errorf("a rename whose directory was never synced survived a crash of a disk that keeps nothing unsynced")
		}
	}
}
