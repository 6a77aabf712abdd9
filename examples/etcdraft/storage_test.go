package etcdraft

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
)

// memDisk is a node.Disk whose every write is recorded, so a test can
// replay any prefix of them: what a crash keeps of unsynced writes.
type memDisk struct {
	files map[string][]byte
	ops   []func(map[string][]byte)
}

func newMemDisk() *memDisk { return &memDisk{files: map[string][]byte{}} }

func (d *memDisk) ReadFile(name string) ([]byte, error) {
	b, ok := d.files[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return slices.Clone(b), nil
}

func (d *memDisk) do(op func(map[string][]byte)) { op(d.files); d.ops = append(d.ops, op) }

func (d *memDisk) WriteFile(name string, data []byte) {
	data = slices.Clone(data)
	d.do(func(f map[string][]byte) { f[name] = slices.Clone(data) })
}

func (d *memDisk) Append(name string, data []byte) {
	data = slices.Clone(data)
	d.do(func(f map[string][]byte) { f[name] = append(f[name], data...) })
}

func (d *memDisk) Remove(name string) { d.do(func(f map[string][]byte) { delete(f, name) }) }
func (d *memDisk) Names() []string    { return node.SortedKeys(d.files) }
func (d *memDisk) Sync()              {}
func (d *memDisk) SyncFile(string)    {}

func entries(from, to, term uint64) []*pb.Entry {
	var es []*pb.Entry
	for i := from; i <= to; i++ {
		es = append(es, &pb.Entry{Index: new(i), Term: new(term), Data: []byte(fmt.Sprint("cmd", i))})
	}
	return es
}

func snapshotAt(index, term uint64) *pb.Snapshot {
	return &pb.Snapshot{Data: []byte("state"), Metadata: &pb.SnapshotMetadata{Index: new(index), Term: new(term),
		ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
}

// TestRestoreDropsATornFrame: a torn last append is dropped at restart,
// the good prefix is kept and rewritten so later appends are readable.
func TestRestoreDropsATornFrame(t *testing.T) {
	disk := newMemDisk()
	var d diskState
	d.saveHardState(disk, &pb.HardState{Term: new(uint64(1))})
	d.appendEntries(disk, entries(1, 3, 1))
	d.appendEntries(disk, entries(4, 4, 1))
	log := disk.files[logFile(0)]
	disk.files[logFile(0)] = log[:len(log)-3] // the last frame torn
	r, err := d.restore(disk)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := r.storage.LastIndex(); last != 3 {
		t.Fatalf("restored up to %d; want 3, the torn entry 4 dropped", last)
	}
	d.appendEntries(disk, entries(4, 5, 2))
	r, err = d.restore(disk)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := r.storage.LastIndex(); last != 5 {
		t.Fatalf("after appending past a torn frame, restored up to %d; want 5", last)
	}
	if term, _ := r.storage.Term(4); term != 2 {
		t.Fatalf("entry 4 has term %d; want 2, the rewritten one", term)
	}
}

// TestDamageIsRefused: damage to what the host synced (its log inside the
// length the ledger vouches for, its hard state, its generation file) is
// reported as damage naming the file, never taken for a torn tail.
func TestDamageIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(files map[string][]byte)
		file   string
	}{
		{"a byte flipped in a synced frame", func(f map[string][]byte) { f[logFile(0)][20] ^= 4 }, logFile(0)},
		{"the log zeroed", func(f map[string][]byte) { f[logFile(0)] = make([]byte, len(f[logFile(0)])) }, logFile(0)},
		{"the log truncated at a frame boundary", func(f map[string][]byte) { f[logFile(0)] = f[logFile(0)][:0] }, logFile(0)},
		{"the log lost", func(f map[string][]byte) { delete(f, logFile(0)) }, logFile(0)},
		{"the hard state lost", func(f map[string][]byte) { delete(f, hsFile) }, hsFile},
		{"the ledger flipped before a whole entry", func(f map[string][]byte) { f[ledgerFile(0)][3] ^= 1 }, ledgerFile(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			disk := newMemDisk()
			var d diskState
			d.saveHardState(disk, &pb.HardState{Term: new(uint64(2)), Vote: new(uint64(1))})
			d.appendEntries(disk, entries(1, 3, 1))
			d.vouch(disk)
			d.appendEntries(disk, entries(4, 5, 2))
			d.vouch(disk)
			tc.damage(disk.files)
			var d2 diskState
			_, err := d2.restore(disk)
			var damage *node.Damage
			if !errors.As(err, &damage) || damage.File != tc.file {
				t.Fatalf("restore: %v; want damage naming %s", err, tc.file)
			}
		})
	}
}

// TestANewGenerationIsAllOrNothing: a crash at any point while a snapshot
// starts a new generation leaves the old state or the new one, never a
// snapshot with a log that does not extend it.
func TestANewGenerationIsAllOrNothing(t *testing.T) {
	disk := newMemDisk()
	var d diskState
	d.appendEntries(disk, entries(1, 12, 1))
	d.saveHardState(disk, &pb.HardState{Term: new(uint64(1)), Commit: new(uint64(10))})
	base := maps.Clone(disk.files)
	baseOps := len(disk.ops)
	d.newGeneration(disk, snapshotAt(10, 1), entries(11, 12, 1))
	ops := disk.ops[baseOps:]
	for k := 0; k <= len(ops); k++ {
		crashed := &memDisk{files: maps.Clone(base)}
		for _, op := range ops[:k] {
			op(crashed.files)
		}
		var d2 diskState
		r, err := d2.restore(crashed)
		if err != nil {
			t.Fatalf("crash after %d of %d writes: %v", k, len(ops), err)
		}
		first, _ := r.storage.FirstIndex()
		last, _ := r.storage.LastIndex()
		hs, _, _ := r.storage.InitialState()
		old := first == 1 && r.snapshot == nil
		renewed := first == 11 && r.snapshot != nil && r.snapshot.GetMetadata().GetIndex() == 10
		if !(old || renewed) || last != 12 || hs.GetCommit() != 10 {
			t.Fatalf("crash after %d of %d writes: log (%d, %d], snapshot %v, commit %d; want the old or the new generation whole",
				k, len(ops), first-1, last, r.snapshot != nil, hs.GetCommit())
		}
	}
}

// mirrorChecked is the host with every Log() compared against the
// MemoryStorage itself, entry by entry.
type mirrorChecked struct {
	*server
	failures *[]string
}

func (m mirrorChecked) Log() checker.LogView {
	v := m.server.Log()
	first, _ := m.storage.FirstIndex()
	last, _ := m.storage.LastIndex()
	bs := m.rn.BasicStatus()
	if v.FirstIndex != int(first)-1 || v.LastIndex != int(last) || v.Term != int(bs.HardState.GetTerm()) ||
		v.CommitIndex != int(bs.HardState.GetCommit()) || v.Leader != (bs.RaftState == raft.StateLeader) {
		*m.failures = append(*m.failures, fmt.Sprintf("view %+v; storage (%d, %d], status %v", v, first-1, last, bs))
		return v
	}
	for i := v.FirstIndex; i <= v.LastIndex; i++ {
		term, data, _ := v.EntryData(i)
		wantTerm, _ := m.storage.Term(uint64(i))
		var wantData []byte
		if i > v.FirstIndex {
			e, _ := m.storage.Entries(uint64(i), uint64(i)+1, 1<<62)
			wantData = e[0].GetData()
		}
		if term != int(wantTerm) || !bytes.Equal(data, wantData) {
			*m.failures = append(*m.failures, fmt.Sprintf("entry %d: mirror term %d data %q, storage term %d data %q", i, term, data, wantTerm, wantData))
			return v
		}
	}
	return v
}

// TestTheMirrorIsTheStorage: the log the checker reads is, after every
// event of runs with snapshots, installs, truncations and crashes,
// exactly the MemoryStorage's.
func TestTheMirrorIsTheStorage(t *testing.T) {
	var failures []string
	impl := Etcd
	impl.Name = "etcdraft-mirror-checked"
	impl.New = func(cfg raftcat.Config, app raftcat.Applier) raftcat.Server {
		return mirrorChecked{Etcd.New(cfg, app).(*server), &failures}
	}
	for _, suffix := range []string{"snapshot-install-unreliable-crash", "backup", "crash-mid", "swarm"} {
		for seed := uint64(1); seed <= 3; seed++ {
			out, err := scenarios.RunScenario(scenarioNamed(t, impl, suffix), seed, scenarios.Options{TraceTail: -1})
			if err != nil || !out.Passed {
				t.Fatalf("%s seed %d: %v %v", suffix, seed, err, out.Failures)
			}
			if len(failures) > 0 {
				t.Fatalf("%s seed %d: %d mismatches, the first: %s", suffix, seed, len(failures), failures[0])
			}
		}
	}
}
