package kvnode

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

func entries(lo, hi uint64, term uint64) []*raft.Log {
	var out []*raft.Log
	for i := lo; i <= hi; i++ {
		out = append(out, &raft.Log{Index: i, Term: term, Type: raft.LogCommand, Data: []byte{byte(i)}})
	}
	return out
}

// TestFileStoreReopens: what StoreLogs, DeleteRange and Set wrote is what
// a reopened store reads, through compactions.
func TestFileStoreReopens(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenFileStore(dir, FileStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < 10; i++ {
		if err := s.StoreLogs(entries(i*100+1, i*100+100, i+1)); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := s.DeleteRange(1, (i-1)*100+90); err != nil { // a snapshot's compaction
				t.Fatal(err)
			}
		}
	}
	s.DeleteRange(950, 1000) // a conflicting suffix
	s.StoreLogs(entries(950, 960, 11))
	s.SetUint64([]byte("CurrentTerm"), 11)
	s.Set([]byte("LastVoteCand"), []byte("s2"))
	s.Close()

	r, err := OpenFileStore(dir, FileStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := r.FirstIndex()
	last, _ := r.LastIndex()
	if first != 891 || last != 960 {
		t.Errorf("reopened: entries %d-%d; want 891-960", first, last)
	}
	var l raft.Log
	if err := r.GetLog(955, &l); err != nil || l.Term != 11 {
		t.Errorf("entry 955: %+v, %v; want term 11", l, err)
	}
	if err := r.GetLog(500, &l); err != raft.ErrLogNotFound {
		t.Errorf("a deleted entry: %v; want ErrLogNotFound", err)
	}
	if term, _ := r.GetUint64([]byte("CurrentTerm")); term != 11 {
		t.Errorf("CurrentTerm %d; want 11", term)
	}
	if v, err := r.Get([]byte("LastVoteCand")); err != nil || string(v) != "s2" {
		t.Errorf("LastVoteCand %q, %v", v, err)
	}
	if _, err := r.Get([]byte("missing")); err == nil || err.Error() != "not found" {
		t.Errorf("a missing key: %v; want raft's not found", err)
	}
	if r.records > 2*len(r.entries)+256+1 {
		t.Errorf("%d records for %d live entries: the log was never compacted", r.records, len(r.entries))
	}
}

// TestFileStoreCutsATornTail: a record cut short by a crash ends the log;
// what came before it is kept, and the store appends after it.
func TestFileStoreCutsATornTail(t *testing.T) {
	dir := t.TempDir()
	s, _ := OpenFileStore(dir, FileStoreOptions{})
	s.SetUint64([]byte("CurrentTerm"), 1)
	s.StoreLogs(entries(1, 5, 1))
	s.Close()
	path := filepath.Join(dir, logName)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append(data, 40, 0, 0, 0, 1, 2), 0o644) // half a record
	r, err := OpenFileStore(dir, FileStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := r.LastIndex(); last != 5 {
		t.Fatalf("last index %d after a torn tail; want 5", last)
	}
	r.StoreLogs(entries(6, 6, 1))
	r.Close()
	again, _ := OpenFileStore(dir, FileStoreOptions{})
	if last, _ := again.LastIndex(); last != 6 {
		t.Fatalf("last index %d after appending past a cut tail; want 6", last)
	}
}

// TestFileStoreRefusesDamage: what a crash cannot do to synced data, the
// store refuses to open over, naming the file; a torn last record it cuts
// off (TestFileStoreCutsATornTail).
func TestFileStoreRefusesDamage(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		damage     func(path string)
	}{
		{"a byte flipped in a record", logName, func(p string) {
			b, _ := os.ReadFile(p)
			b[len(b)/3] ^= 0x40
			os.WriteFile(p, b, 0o644)
		}},
		{"the log truncated", logName, func(p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}},
		{"the log zeroed", logName, func(p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, make([]byte, len(b)), 0o644)
		}},
		{"the log lost", logName, func(p string) { os.Remove(p) }},
		{"the ledger lost", ledgerName, func(p string) { os.Remove(p) }},
		{"the stable store lost", stableName, func(p string) { os.Remove(p) }},
		{"the stable store zeroed", stableName, func(p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, make([]byte, len(b)), 0o644)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := OpenFileStore(dir, FileStoreOptions{})
			s.SetUint64([]byte("CurrentTerm"), 1)
			for i := uint64(0); i < 5; i++ {
				s.StoreLogs(entries(i*10+1, i*10+10, 1))
			}
			s.Close()
			tt.damage(filepath.Join(dir, tt.file))
			_, err := OpenFileStore(dir, FileStoreOptions{})
			var de *DamageError
			if !errors.As(err, &de) {
				t.Fatalf("opened over %s: %v; want a *DamageError", tt.name, err)
			}
			t.Logf("%v", err)
		})
	}
}
