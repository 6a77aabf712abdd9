package etcdraft

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/simlab-go/simlab/sim/node"
)

// The host's files on the node's disk:
//
//	etcd.hs       the HardState (term, vote, commit), replaced whole
//	etcd.gen      the current generation g, replaced whole
//	etcd.snap.g   the snapshot of generation g (none for generation 0)
//	etcd.log.g    entries appended since that snapshot, one checksummed
//	              frame each; a later frame for an index replaces the
//	              earlier ones from that index on, as in Raft
//
// A snapshot, taken here or received from a leader, starts a new
// generation: its snapshot file and the entries after it are written
// first, then the generation file, then the old generation is removed. A
// crash keeps a prefix of the unsynced writes, so it leaves either the old
// generation or the new one whole, never a snapshot paired with a log it
// does not extend. Only an append can be torn; a torn last frame fails its
// checksum and is dropped at restart.
const (
	hsFile  = "etcd.hs"
	genFile = "etcd.gen"
)

func snapFile(g uint64) string { return "etcd.snap." + strconv.FormatUint(g, 10) }
func logFile(g uint64) string  { return "etcd.log." + strconv.FormatUint(g, 10) }

// diskState is what the host knows of its files.
type diskState struct {
	gen           uint64
	hardStateSize int
	logSize       int
}

// restored is the state rebuilt from the disk at boot.
type restored struct {
	storage  *raft.MemoryStorage
	conf     *pb.ConfState
	snapshot *pb.Snapshot // nil without one
	applied  uint64       // the snapshot's index: entries after it are applied again
	fresh    bool         // nothing was ever made durable: bootstrap
}

// restore rebuilds the MemoryStorage from the disk.
func (d *diskState) restore(disk node.Disk) (restored, error) {
	r := restored{storage: raft.NewMemoryStorage(), conf: &pb.ConfState{}}
	*d = diskState{}
	if b, err := disk.ReadFile(genFile); err == nil {
		if len(b) != 8 {
			return r, fmt.Errorf("%s holds %d bytes, want 8", genFile, len(b))
		}
		d.gen = binary.BigEndian.Uint64(b)
	}
	if b, err := disk.ReadFile(snapFile(d.gen)); err == nil {
		snap := &pb.Snapshot{}
		if err := unmarshal(b, snap); err != nil {
			return r, fmt.Errorf("%s does not decode: %v", snapFile(d.gen), err)
		}
		if err := r.storage.ApplySnapshot(snap); err != nil {
			return r, fmt.Errorf("%s: %v", snapFile(d.gen), err)
		}
		r.snapshot, r.applied, r.conf = snap, snap.GetMetadata().GetIndex(), snap.GetMetadata().GetConfState()
	} else if d.gen > 0 {
		return r, fmt.Errorf("generation %d has no snapshot file %s", d.gen, snapFile(d.gen))
	}
	entries := 0
	if b, err := disk.ReadFile(logFile(d.gen)); err == nil {
		good := 0
		for rest := b; ; {
			payload, next, ok := unframe(rest)
			if !ok {
				break
			}
			e := &pb.Entry{}
			if err := unmarshal(payload, e); err != nil {
				return r, fmt.Errorf("%s: a frame with a good checksum does not decode: %v", logFile(d.gen), err)
			}
			if err := r.storage.Append([]*pb.Entry{e}); err != nil {
				return r, fmt.Errorf("%s: entry %d: %v", logFile(d.gen), e.GetIndex(), err)
			}
			entries++
			good = len(b) - len(next)
			rest = next
		}
		if good < len(b) {
			// A torn last frame: keep the good prefix, so that what is
			// appended next is readable.
			disk.WriteFile(logFile(d.gen), b[:good])
		}
		d.logSize = good
	}
	if b, err := disk.ReadFile(hsFile); err == nil {
		hs := &pb.HardState{}
		if err := unmarshal(b, hs); err != nil {
			return r, fmt.Errorf("%s does not decode: %v", hsFile, err)
		}
		d.hardStateSize = len(b)
		// A snapshot holds committed entries of its term: the hard state
		// must not say less. The commit index is not always synced, so it
		// may also say more than the log kept; lowering it is safe.
		if snap := r.snapshot; snap != nil {
			if t := snap.GetMetadata().GetTerm(); hs.GetTerm() < t {
				hs.Term, hs.Vote = new(t), new(uint64(0))
			}
			hs.Commit = new(max(hs.GetCommit(), r.applied))
		}
		last, _ := r.storage.LastIndex()
		hs.Commit = new(min(hs.GetCommit(), last))
		if err := r.storage.SetHardState(hs); err != nil {
			return r, err
		}
	}
	r.fresh = d.gen == 0 && entries == 0 && d.hardStateSize == 0
	return r, nil
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
	disk.WriteFile(hsFile, b)
	d.hardStateSize = len(b)
}

// newGeneration starts a generation whose snapshot is snap and whose log
// holds entries, and removes the previous one.
func (d *diskState) newGeneration(disk node.Disk, snap *pb.Snapshot, entries []*pb.Entry) {
	old := d.gen
	d.gen++
	disk.WriteFile(snapFile(d.gen), marshal(snap))
	var buf []byte
	for _, e := range entries {
		buf = frame(buf, marshal(e))
	}
	disk.WriteFile(logFile(d.gen), buf)
	d.logSize = len(buf)
	disk.WriteFile(genFile, binary.BigEndian.AppendUint64(nil, d.gen))
	disk.Remove(snapFile(old))
	disk.Remove(logFile(old))
}

// frame appends payload to buf with its length and a CRC-32.
func frame(buf, payload []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.ChecksumIEEE(payload))
	return append(buf, payload...)
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
	if crc32.ChecksumIEEE(payload) != binary.BigEndian.Uint32(b[4:]) {
		return nil, nil, false
	}
	return payload, b[8+n:], true
}
