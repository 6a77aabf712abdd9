package etcdraft

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/simlab-go/simlab/sim/node"
)

// The host's files on the node's disk:
//
//	etcd.hs       the HardState (term, vote, commit), one frame, replaced
//	              whole
//	etcd.gen      the current generation g, one frame, replaced whole
//	etcd.snap.g   the snapshot of generation g, one frame (none for
//	              generation 0)
//	etcd.log.g    entries appended since that snapshot, one checksummed
//	              frame each; a later frame for an index replaces the
//	              earlier ones from that index on, as in Raft
//	etcd.sync.g   the log's sync ledger: after each Sync that made new
//	              frames durable, the log's length, appended and synced
//	              before any message goes out
//
// A snapshot, taken here or received from a leader, starts a new
// generation: its snapshot file and the entries after it are written
// first, then the generation file, then the old generation is removed. A
// crash keeps a prefix of the unsynced writes, so it leaves either the old
// generation or the new one whole, never a snapshot paired with a log it
// does not extend. Only an append can be torn: a bad frame past the length
// the ledger vouches for is a torn tail, dropped at restart. A bad frame
// inside that length, a log shorter than it or gone, a log without the
// hard state (written before the entries of every Ready), a generation's
// files without the generation file, are damage: the node refuses to start
// (node.Refuse) rather than forget a vote or an entry it acknowledged.
const (
	hsFile  = "etcd.hs"
	genFile = "etcd.gen"
)

func snapFile(g uint64) string   { return "etcd.snap." + strconv.FormatUint(g, 10) }
func logFile(g uint64) string    { return "etcd.log." + strconv.FormatUint(g, 10) }
func ledgerFile(g uint64) string { return "etcd.sync." + strconv.FormatUint(g, 10) }

// diskState is what the host knows of its files.
type diskState struct {
	gen           uint64
	hardStateSize int
	logSize       int
	synced        int // the log length the ledger vouches for
}

// restored is the state rebuilt from the disk at boot.
type restored struct {
	storage  *raft.MemoryStorage
	conf     *pb.ConfState
	snapshot *pb.Snapshot // nil without one
	applied  uint64       // the snapshot's index: entries after it are applied again
	fresh    bool         // nothing was ever made durable: bootstrap
}

// damaged is a *node.Damage as an error.
func damaged(file string, offset int64, format string, args ...any) error {
	return &node.Damage{File: file, Offset: offset, Found: fmt.Sprintf(format, args...)}
}

// restore rebuilds the MemoryStorage from the disk. Damage comes back as
// a *node.Damage.
func (d *diskState) restore(disk node.Disk) (restored, error) {
	r := restored{storage: raft.NewMemoryStorage(), conf: &pb.ConfState{}}
	*d = diskState{}
	names := disk.Names()
	if b, err := disk.ReadFile(genFile); err == nil {
		v, ok := whole(b)
		if !ok || len(v) != 8 {
			return r, damaged(genFile, 0, "%d bytes that are not one frame of 8, in a file only ever replaced whole", len(b))
		}
		d.gen = binary.BigEndian.Uint64(v)
	} else if _, err := disk.ReadFile(logFile(0)); err != nil {
		// Without the generation file the current one is 0, whose log is
		// removed only once a later generation's file is durable. (A later
		// generation's files next to generation 0's whole log are what a
		// crash in the middle of a new generation leaves.)
		for _, n := range names {
			if n != ledgerFile(0) && (strings.HasPrefix(n, "etcd.snap.") || strings.HasPrefix(n, "etcd.log.") || strings.HasPrefix(n, "etcd.sync.")) {
				return r, damaged(genFile, -1, "missing, and generation 0's log is gone while %s exists: which generation is current is lost", n)
			}
		}
	}
	if b, err := disk.ReadFile(snapFile(d.gen)); err == nil {
		snap := &pb.Snapshot{}
		v, ok := whole(b)
		if !ok {
			return r, damaged(snapFile(d.gen), 0, "%d bytes that are not one whole frame, in a file only ever replaced whole", len(b))
		}
		if err := unmarshal(v, snap); err != nil {
			return r, damaged(snapFile(d.gen), 0, "a snapshot that does not decode (%v), in a file only ever replaced whole", err)
		}
		if err := r.storage.ApplySnapshot(snap); err != nil {
			return r, damaged(snapFile(d.gen), 0, "a snapshot the storage refuses: %v", err)
		}
		r.snapshot, r.applied, r.conf = snap, snap.GetMetadata().GetIndex(), snap.GetMetadata().GetConfState()
	} else if d.gen > 0 {
		return r, damaged(snapFile(d.gen), -1, "missing, but generation %d is current", d.gen)
	}
	ledger, _ := disk.ReadFile(ledgerFile(d.gen))
	synced, ledgerTorn, err := readLedger(ledgerFile(d.gen), ledger)
	if err != nil {
		return r, err
	}
	entries := 0
	b, logErr := disk.ReadFile(logFile(d.gen))
	if logErr != nil && synced > 0 {
		return r, damaged(logFile(d.gen), -1, "missing, but its sync ledger says %d bytes of it were synced", synced)
	}
	if len(b) < synced {
		return r, damaged(logFile(d.gen), -1, "%d bytes, but %d were synced: the log lost its end", len(b), synced)
	}
	good := 0
	for rest := b; len(rest) > 0; {
		payload, next, ok := unframe(rest)
		if !ok {
			if good < synced {
				return r, damaged(logFile(d.gen), int64(good), "a frame that is cut short or fails its checksum, inside the first %d bytes, which were synced", synced)
			}
			break
		}
		e := &pb.Entry{}
		if err := unmarshal(payload, e); err != nil {
			return r, damaged(logFile(d.gen), int64(good), "a frame with a good checksum that does not decode: %v", err)
		}
		if err := r.storage.Append([]*pb.Entry{e}); err != nil {
			return r, damaged(logFile(d.gen), int64(good), "entry %d, which the storage refuses: %v", e.GetIndex(), err)
		}
		entries++
		good = len(b) - len(next)
		rest = next
	}
	hs, hsErr := disk.ReadFile(hsFile)
	if hsErr != nil && logErr == nil {
		return r, damaged(hsFile, -1, "missing, but %s exists: the term and the vote are lost", logFile(d.gen))
	}
	if good < len(b) || ledgerTorn {
		// A torn last frame or ledger entry: keep the good prefix, so
		// that what is appended next is readable.
		disk.WriteFile(logFile(d.gen), b[:good])
		disk.WriteFile(ledgerFile(d.gen), ledgerEntry(nil, min(synced, good)))
	}
	d.logSize, d.synced = good, min(synced, good)
	if hsErr == nil {
		st := &pb.HardState{}
		v, ok := whole(hs)
		if !ok {
			return r, damaged(hsFile, 0, "%d bytes that are not one whole frame, in a file only ever replaced whole", len(hs))
		}
		if err := unmarshal(v, st); err != nil {
			return r, damaged(hsFile, 0, "a hard state that does not decode (%v), in a file only ever replaced whole", err)
		}
		d.hardStateSize = len(hs)
		// A snapshot holds committed entries of its term: the hard state
		// must not say less. The commit index is not always synced, so it
		// may also say more than the log kept; lowering it is safe.
		if snap := r.snapshot; snap != nil {
			if t := snap.GetMetadata().GetTerm(); st.GetTerm() < t {
				st.Term, st.Vote = new(t), new(uint64(0))
			}
			st.Commit = new(max(st.GetCommit(), r.applied))
		}
		last, _ := r.storage.LastIndex()
		st.Commit = new(min(st.GetCommit(), last))
		if err := r.storage.SetHardState(st); err != nil {
			return r, err
		}
	}
	r.fresh = d.gen == 0 && entries == 0 && d.hardStateSize == 0
	return r, nil
}

// vouch makes the ledger vouch for the log as written, once a Sync has
// made it durable, and syncs the entry: call it after that Sync, before
// any message goes out.
func (d *diskState) vouch(disk node.Disk) {
	if d.logSize != d.synced {
		disk.Append(ledgerFile(d.gen), ledgerEntry(nil, d.logSize))
		d.synced = d.logSize
		disk.Sync()
	}
}

// ledgerEntry appends the 12-byte entry for a synced length to b.
func ledgerEntry(b []byte, synced int) []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(synced))
	b = append(b, v...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(v)^0x5ec0)
}

// readLedger returns the length the ledger's last whole entry vouches
// for; a bad or partial last entry is a ledger append that never
// completed (torn), a bad entry with whole ones after it damage.
func readLedger(name string, b []byte) (synced int, torn bool, err error) {
	bad := -1
	for at := 0; at+12 <= len(b); at += 12 {
		v := b[at : at+8]
		if crc32.ChecksumIEEE(v)^0x5ec0 != binary.BigEndian.Uint32(b[at+8:at+12]) {
			if bad < 0 {
				bad = at
			}
			continue
		}
		if bad >= 0 {
			return 0, false, damaged(name, int64(bad), "an entry that fails its checksum, followed by a whole one at offset %d", at)
		}
		synced = int(binary.BigEndian.Uint64(v))
	}
	return synced, bad >= 0 || len(b)%12 != 0, nil
}

// appendEntries appends entries to the current generation's log.
func (d *diskState) appendEntries(disk node.Disk, entries []*pb.Entry) {
	var buf []byte
	for _, e := range entries {
		buf = frame(buf, marshal(e))
	}
	disk.Append(logFile(d.gen), buf)
	d.logSize += len(buf)
}

// saveHardState replaces the hard state.
func (d *diskState) saveHardState(disk node.Disk, hs *pb.HardState) {
	b := marshal(hs)
	disk.WriteFile(hsFile, frame(nil, b))
	d.hardStateSize = len(b)
}

// newGeneration starts a generation whose snapshot is snap and whose log
// holds entries, and removes the previous one.
func (d *diskState) newGeneration(disk node.Disk, snap *pb.Snapshot, entries []*pb.Entry) {
	old := d.gen
	d.gen++
	disk.WriteFile(snapFile(d.gen), frame(nil, marshal(snap)))
	var buf []byte
	for _, e := range entries {
		buf = frame(buf, marshal(e))
	}
	disk.WriteFile(logFile(d.gen), buf)
	d.logSize = len(buf)
	disk.WriteFile(genFile, frame(nil, binary.BigEndian.AppendUint64(nil, d.gen)))
	disk.Remove(snapFile(old))
	disk.Remove(logFile(old))
	disk.Remove(ledgerFile(old))
	d.synced = 0 // the next vouch covers the new log
}

// frame appends payload to buf with its length and a checksum of both,
// masked so that zeroed bytes never read as a frame, not even an empty
// one.
func frame(buf, payload []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.BigEndian.AppendUint32(buf, frameSum(buf[len(buf)-4:], payload))
	return append(buf, payload...)
}

func frameSum(length, payload []byte) uint32 {
	return crc32.Update(crc32.ChecksumIEEE(length), crc32.IEEETable, payload) ^ 0xe7cd
}

// whole returns the payload of b when b is exactly one good frame.
func whole(b []byte) ([]byte, bool) {
	payload, rest, ok := unframe(b)
	return payload, ok && len(rest) == 0
}

// unframe reads one frame off b; ok is false at the end or at a torn or
// corrupt frame.
func unframe(b []byte) (payload, rest []byte, ok bool) {
	if len(b) < 8 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(len(b)-8) < uint64(n) {
		return nil, nil, false
	}
	payload = b[8 : 8+n]
	if frameSum(b[:4], payload) != binary.BigEndian.Uint32(b[4:]) {
		return nil, nil, false
	}
	return payload, b[8+n:], true
}
