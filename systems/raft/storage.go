package raft

import (
	"encoding/binary"
	"fmt"
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
//	raft.sync.G     the log's sync ledger: how many of its bytes were synced
//	                (see frame.LedgerRead).
//	raft.snap.G     the snapshot, one framed record.
//
// A change that rewrites the log or the snapshot writes new files under a
// new generation G, syncs them, then replaces the meta file and syncs
// again, so a crash leaves either the old set or the new one; leftover
// files are removed at the next boot.
//
// The ledger is what tells a torn tail from damage. Before a send makes
// newly appended entries count (a vote, an acknowledgement, a leader's own
// match), flush syncs the log, appends the log's length to the ledger and
// syncs that. At boot a bad record past the ledger's length is a torn
// tail, dropped; one inside it, a log shorter than it, a log or snapshot
// the meta names that is gone, or Raft's files without the meta that names
// them, are damage: the node refuses to start (node.Refuse) and changes
// nothing. The first meta is followed by an empty log file, so that from
// then on a lost meta never passes for a fresh server.

const metaMagic = "RFT2"

const metaFields = 7 // uint64s after the magic

type storage struct {
	prefix    string
	gen       uint64 // generation of the current log file
	snapGen   uint64 // generation of the current snapshot file; 0: none
	snapshot  []byte
	metaSize  int
	logSize   int
	logSynced int  // the log length the ledger vouches for
	logExists bool // the current log file has been created
	dirty     bool // written since the last Sync
}

func (s *storage) metaName() string           { return s.prefix + ".meta" }
func (s *storage) logName(g uint64) string    { return s.prefix + ".log." + strconv.FormatUint(g, 10) }
func (s *storage) ledgerName(g uint64) string { return s.prefix + ".sync." + strconv.FormatUint(g, 10) }
func (s *storage) snapName(g uint64) string   { return s.prefix + ".snap." + strconv.FormatUint(g, 10) }

func (r *Raft) encodeMeta() []byte {
	return frame.Meta(metaMagic, uint64(r.term), uint64(int64(r.votedFor)), r.store.gen, r.store.snapGen,
		uint64(r.log.base), uint64(r.log.baseTerm), r.log.baseChain)
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
	r.store.logExists = true
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
	r.store.logSize, r.store.logExists = len(log), true
	if withSnapshot {
		r.store.snapGen = r.store.gen
		d.WriteFile(r.store.snapName(r.store.snapGen), frame.Of(r.store.snapshot))
	}
	d.Sync()
	frame.LedgerAppend(d, r.store.ledgerName(r.store.gen), r.store.logSize)
	r.store.logSynced = r.store.logSize
	r.saveMeta(env)
	d.Sync()
	r.store.dirty = false
	d.Remove(r.store.logName(oldLog))
	d.Remove(r.store.ledgerName(oldLog))
	if withSnapshot && oldSnap != 0 {
		d.Remove(r.store.snapName(oldSnap))
	}
}

// flush syncs what was written since the last sync. Every send and every
// reply goes through it: nothing leaves a node before the state it depends
// on is durable, and the ledger vouches for every log byte that was.
func (r *Raft) flush(env node.Env) {
	if !r.store.dirty {
		return
	}
	d := env.Disk()
	d.Sync()
	more := false
	if !r.store.logExists {
		d.Append(r.store.logName(r.store.gen), nil) // after the first meta is durable
		r.store.logExists, more = true, true
	}
	if r.store.logSize != r.store.logSynced {
		frame.LedgerAppend(d, r.store.ledgerName(r.store.gen), r.store.logSize)
		r.store.logSynced, more = r.store.logSize, true
	}
	if more {
		d.Sync()
	}
	r.store.dirty = false
}

// restore loads the persisted state at boot. No file of Raft's means a
// fresh server. A torn tail of the log is dropped (and the log rewritten
// without it); anything else that does not check out is damage, and the
// node refuses to start before writing anything.
func (r *Raft) restore(env node.Env) {
	d := env.Disk()
	meta, err := d.ReadFile(r.store.metaName())
	if err != nil {
		for _, name := range d.Names() {
			if strings.HasPrefix(name, r.store.prefix+".") {
				node.Refuse(&node.Damage{File: r.store.metaName(), Offset: -1,
					Found: fmt.Sprintf("missing, but %s exists: the term, the vote and which log is current are lost", name)})
			}
		}
		return
	}
	v := frame.ReadMeta(r.store.metaName(), meta, metaMagic, metaFields)
	r.term, r.votedFor = int(v[0]), node.ID(int64(v[1]))
	r.store.gen, r.store.snapGen = v[2], v[3]
	r.log = raftLog{base: int(v[4]), baseTerm: int(v[5]), baseChain: v[6]}
	r.store.metaSize = len(meta)
	if r.store.snapGen != 0 {
		name := r.store.snapName(r.store.snapGen)
		b, err := d.ReadFile(name)
		if err != nil {
			node.Refuse(&node.Damage{File: name, Offset: -1, Found: "missing, but the meta file names it as the current snapshot"})
		}
		data, damage := frame.Whole(name, b)
		if damage != nil {
			node.Refuse(damage)
		}
		r.store.snapshot = data
	}
	name := r.store.logName(r.store.gen)
	l := frame.ReadLog(d, name, r.store.ledgerName(r.store.gen))
	r.store.logExists = l.Exists
	for k, payload := range l.Records {
		at := int64(l.At[k])
		if len(payload) < 16 {
			node.Refuse(&node.Damage{File: name, Offset: at,
				Found: fmt.Sprintf("a whole record of %d bytes, too short for an entry's term and index", len(payload))})
		}
		term, index := int(binary.BigEndian.Uint64(payload[0:8])), int(binary.BigEndian.Uint64(payload[8:16]))
		if index != r.log.lastIndex()+1 {
			node.Refuse(&node.Damage{File: name, Offset: at,
				Found: fmt.Sprintf("the entry for index %d where index %d must follow index %d", index, r.log.lastIndex()+1, r.log.lastIndex())})
		}
		data := payload[16:]
		cmd, err := r.cfg.Codec.Decode(data)
		if err != nil {
			node.Refuse(&node.Damage{File: name, Offset: at,
				Found: fmt.Sprintf("the command at index %d, whose checksum holds, does not decode: %v", index, err)})
		}
		r.log.append(term, cmd, data)
	}
	r.store.logSize, r.store.logSynced = l.End, l.Synced
	if r.log.lastIndex() > 0 {
		env.Mark(markRestartWithLog)
	}
	if l.Rewrite {
		if l.TornTail {
			env.Mark(markTornTail)
		}
		// Drop the torn tail for good, so later appends follow a clean
		// record boundary, in the log and in its ledger.
		r.rewrite(env, false)
	}
	r.cleanup(env)
}

// cleanup removes Raft's files that the meta file does not name: leftovers
// of a crash in the middle of a rewrite.
func (r *Raft) cleanup(env node.Env) {
	d := env.Disk()
	keep := map[string]bool{r.store.metaName(): true, r.store.logName(r.store.gen): true, r.store.ledgerName(r.store.gen): true}
	if r.store.snapGen != 0 {
		keep[r.store.snapName(r.store.snapGen)] = true
	}
	for _, name := range d.Names() {
		if strings.HasPrefix(name, r.store.prefix+".") && !keep[name] {
			d.Remove(name)
		}
	}
}
