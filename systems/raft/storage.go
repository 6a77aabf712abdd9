package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/internal/frame"
)

// Raft's files, under Config.FilePrefix ("raft" below):
//
//	raft.meta       currentTerm, votedFor, which log and snapshot files are
//	                current, and the snapshot's index, term and chain hash;
//	                replaced atomically (WriteFile), never torn.
//	raft.log.G      the entries after the snapshot, one framed record each,
//	                appended as they arrive; a crash may tear the last record.
//	raft.snap.G     the snapshot, one framed record.
//
// A record is [length u32][CRC-32 of payload u32][payload]. A change that
// rewrites the log or the snapshot writes new files under a new generation
// G, syncs them, then replaces the meta file and syncs again, so a crash
// leaves either the old set or the new one; leftover files are removed at
// the next boot.

const metaMagic = "RFT1"

var errCorrupt = errors.New("raft: corrupt state")

type storage struct {
	prefix   string
	gen      uint64 // generation of the current log file
	snapGen  uint64 // generation of the current snapshot file; 0: none
	snapshot []byte
	metaSize int
	logSize  int
	dirty    bool // written since the last Sync
}

func (s *storage) metaName() string         { return s.prefix + ".meta" }
func (s *storage) logName(g uint64) string  { return s.prefix + ".log." + strconv.FormatUint(g, 10) }
func (s *storage) snapName(g uint64) string { return s.prefix + ".snap." + strconv.FormatUint(g, 10) }

func (r *Raft) encodeMeta() []byte {
	b := make([]byte, 0, 64)
	b = append(b, metaMagic...)
	for _, v := range []uint64{uint64(r.term), uint64(int64(r.votedFor)), r.store.gen, r.store.snapGen,
		uint64(r.log.base), uint64(r.log.baseTerm), r.log.baseChain} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// saveMeta replaces the meta file; the next send syncs it.
func (r *Raft) saveMeta(env node.Env) {
	b := r.encodeMeta()
	env.Disk().WriteFile(r.store.metaName(), b)
	r.store.metaSize = len(b)
	r.store.dirty = true
}

func (r *Raft) encodeEntry(i int) []byte {
	e := r.log.at(i)
	p := make([]byte, 16, 16+len(e.data))
	binary.BigEndian.PutUint64(p[0:8], uint64(e.term))
	binary.BigEndian.PutUint64(p[8:16], uint64(i))
	return frame.Of(append(p, e.data...))
}

// appendToDisk appends the entries from index from to the end of the log
// to the current log file; the next send syncs them.
func (r *Raft) appendToDisk(env node.Env, from int) {
	for i := from; i <= r.log.lastIndex(); i++ {
		rec := r.encodeEntry(i)
		env.Disk().Append(r.store.logName(r.store.gen), rec)
		r.store.logSize += len(rec)
	}
	r.store.dirty = true
}

// rewrite stores the whole log (and the snapshot, when withSnapshot) under
// a new generation and switches the meta file to it, syncing in between so
// a crash leaves the old or the new state, never a mix.
func (r *Raft) rewrite(env node.Env, withSnapshot bool) {
	d := env.Disk()
	oldLog, oldSnap := r.store.gen, r.store.snapGen
	r.store.gen++
	var log []byte
	for i := r.log.base + 1; i <= r.log.lastIndex(); i++ {
		log = append(log, r.encodeEntry(i)...)
	}
	d.WriteFile(r.store.logName(r.store.gen), log)
	r.store.logSize = len(log)
	if withSnapshot {
		r.store.snapGen = r.store.gen
		d.WriteFile(r.store.snapName(r.store.snapGen), frame.Of(r.store.snapshot))
	}
	d.Sync()
	r.saveMeta(env)
	d.Sync()
	r.store.dirty = false
	d.Remove(r.store.logName(oldLog))
	if withSnapshot && oldSnap != 0 {
		d.Remove(r.store.snapName(oldSnap))
	}
}

// flush syncs what was written since the last sync. Every send and every
// reply goes through it: nothing leaves a node before the state it depends
// on is durable.
func (r *Raft) flush(env node.Env) {
	if r.store.dirty {
		env.Disk().Sync()
		r.store.dirty = false
	}
}

// restore loads the persisted state at boot. A missing meta file means a
// fresh server; anything else that does not check out is corruption of
// synced data, which the disk model never produces, so it is a bug.
func (r *Raft) restore(env node.Env) error {
	d := env.Disk()
	meta, err := d.ReadFile(r.store.metaName())
	if err != nil {
		r.cleanup(env)
		return nil
	}
	if len(meta) != len(metaMagic)+7*8+4 || string(meta[:4]) != metaMagic ||
		crc32.ChecksumIEEE(meta[:len(meta)-4]) != binary.BigEndian.Uint32(meta[len(meta)-4:]) {
		return fmt.Errorf("%w: meta file", errCorrupt)
	}
	v := func(k int) uint64 { return binary.BigEndian.Uint64(meta[4+8*k:]) }
	r.term, r.votedFor = int(v(0)), node.ID(int64(v(1)))
	r.store.gen, r.store.snapGen = v(2), v(3)
	r.log = raftLog{base: int(v(4)), baseTerm: int(v(5)), baseChain: v(6)}
	r.store.metaSize = len(meta)
	if r.store.snapGen != 0 {
		b, err := d.ReadFile(r.store.snapName(r.store.snapGen))
		if err != nil {
			return fmt.Errorf("%w: snapshot file %s missing", errCorrupt, r.store.snapName(r.store.snapGen))
		}
		data, _, ok := frame.Next(b)
		if !ok {
			return fmt.Errorf("%w: snapshot file fails its checksum", errCorrupt)
		}
		r.store.snapshot = data
	}
	b, err := d.ReadFile(r.store.logName(r.store.gen))
	if err != nil && r.log.lastIndex() > 0 && r.store.gen != 0 {
		return fmt.Errorf("%w: log file %s missing", errCorrupt, r.store.logName(r.store.gen))
	}
	rest := b
	for len(rest) > 0 {
		payload, next, ok := frame.Next(rest)
		if !ok || len(payload) < 16 {
			break // a torn record: never synced, so never acknowledged
		}
		term, index := int(binary.BigEndian.Uint64(payload[0:8])), int(binary.BigEndian.Uint64(payload[8:16]))
		if index != r.log.lastIndex()+1 {
			return fmt.Errorf("%w: log record for index %d follows index %d", errCorrupt, index, r.log.lastIndex())
		}
		data := payload[16:]
		cmd, err := r.cfg.Codec.Decode(data)
		if err != nil {
			return fmt.Errorf("%w: command at index %d does not decode: %v", errCorrupt, index, err)
		}
		r.log.append(term, cmd, data)
		rest = next
	}
	r.store.logSize = len(b) - len(rest)
	if r.log.lastIndex() > 0 {
		env.Mark(markRestartWithLog)
	}
	if len(rest) > 0 {
		env.Mark(markTornTail)
		// Drop the torn tail for good, so later appends follow a clean
		// record boundary.
		r.rewrite(env, false)
	}
	r.cleanup(env)
	return nil
}

// cleanup removes Raft's files that the meta file does not name: leftovers
// of a crash in the middle of a rewrite.
func (r *Raft) cleanup(env node.Env) {
	d := env.Disk()
	keep := map[string]bool{r.store.metaName(): true, r.store.logName(r.store.gen): true}
	if r.store.snapGen != 0 {
		keep[r.store.snapName(r.store.snapGen)] = true
	}
	for _, name := range d.Names() {
		if strings.HasPrefix(name, r.store.prefix+".") && !keep[name] {
			d.Remove(name)
		}
	}
}
