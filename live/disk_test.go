package live

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

func TestDiskKeepsWhatItWasGiven(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"raft.meta", "raft.log.1", "a/b", "..", ".tmp", "x.tmp", "sp ace", "ünï"}
	for i, n := range names {
		d.WriteFile(n, []byte{byte(i)})
	}
	d.Append("log", []byte("ab"))
	d.Append("log", []byte("cd"))
	d.WriteFile("raft.meta", []byte("new"))
	d.Remove("x.tmp")
	d.Remove("never-there")
	d.Sync()
	d.Close()

	// A leftover temporary from a crash inside WriteFile goes at the next open.
	os.WriteFile(filepath.Join(dir, "~junk"), []byte("half"), 0o644)
	d, err = OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"..", ".tmp", "a/b", "log", "raft.log.1", "raft.meta", "sp ace", "ünï"}
	if got := d.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		name, want string
	}{{"log", "abcd"}, {"raft.meta", "new"}, {"a/b", "\x02"}, {"..", "\x03"}} {
		b, err := d.ReadFile(tt.name)
		if err != nil || string(b) != tt.want {
			t.Errorf("ReadFile(%q) = %q, %v; want %q", tt.name, b, err, tt.want)
		}
	}
	if _, err := d.ReadFile("x.tmp"); !errors.Is(err, node.ErrNotExist) {
		t.Errorf("ReadFile of a removed file: %v, want node.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "~junk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the crash's temporary is still there: %v", err)
	}
	// Appending after a reopen goes on at the end.
	d.Append("log", []byte("e"))
	d.Sync()
	files, err := ReadOnly(dir)
	if err != nil || string(files["log"]) != "abcde" || len(files) != len(want) {
		t.Fatalf("ReadOnly = %q, %v", files, err)
	}
}

func TestDiskErrorStopsTheNode(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir) // the disk is gone under the node
	defer func() {
		if recover() == nil {
			t.Fatal("a write to a missing directory did not panic")
		}
		defer func() {
			if recover() == nil {
				t.Fatal("the disk went on after an I/O error")
			}
		}()
		d.ReadFile("a")
	}()
	d.WriteFile("a", []byte("x"))
}

// BenchmarkDiskDurability measures on this machine's disk what the systems
// pay to make a batch durable: an append and its Sync (a log batch, or a
// sync-ledger entry), against replacing a small file and its Sync (a meta
// file rewritten per batch, the design the sync ledger replaced).
//
//	go test -run xxx -bench DiskDurability -count 3 ./live
func BenchmarkDiskDurability(b *testing.B) {
	for _, tc := range []struct {
		name  string
		write func(d *Disk)
	}{
		{"append+sync", func(d *Disk) { d.Append("raft.sync.1", make([]byte, 12)) }},
		{"writefile+sync", func(d *Disk) { d.WriteFile("raft.meta", make([]byte, 80)) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d, err := OpenDisk(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			tc.write(d) // the file exists before the clock starts
			d.Sync()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tc.write(d)
				d.Sync()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/durable-write")
		})
	}
}

// TestDiskSyncFileSyncsOneFile: SyncFile fsyncs the file it names (and the
// directory, for its new name) and leaves the other files to a later sync.
func TestDiskSyncFileSyncsOneFile(t *testing.T) {
	d, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Append("a", []byte("1"))
	d.Append("b", []byte("2"))
	d.SyncFile("a")
	if d.dirty["a"] || !d.dirty["b"] || d.dirDirty {
		t.Fatalf("after SyncFile(a): dirty %v, directory dirty %v; want only b left to sync", d.dirty, d.dirDirty)
	}
	d.SyncFile("missing") // nothing to do, and no error
	d.Sync()
	if len(d.dirty) != 0 {
		t.Fatalf("after Sync: dirty %v; want none", d.dirty)
	}
}
