package paxos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/internal/frame"
)

// A peer keeps its files under Config.FilePrefix ("paxos" below):
//
//	paxos.meta     which log file is current; replaced atomically
//	               (WriteFile)
//	paxos.log.G    a sequence of framed records, appended as the state
//	               changes (below)
//	paxos.sync.G   the log's sync ledger: how many of its bytes were
//	               synced (see frame.LedgerRead)
//
//	promise seq n         the acceptor promised n for seq
//	accept  seq n value   it accepted (n, value) for seq
//	decide  seq value     seq is decided
//	done    seq           this peer called Done(seq)
//	floor   min           instances below min were forgotten
//
// Replayed in order the records rebuild the state. Before a send makes
// new records count (a promise, an acceptance), sync syncs the log, then
// appends its length to the ledger and syncs that. So at boot a bad record
// past that length is a torn tail, never relied on, and dropped; a bad
// record inside it, a log shorter than it or missing, or a peer's files
// without the meta, are damage, and the peer refuses to start
// (node.Refuse) rather than forget a promise. The meta is written at the
// peer's first boot, before anything else. Once most of the log is about
// forgotten instances it is rewritten under the next generation (the
// floor first, then this peer's Done, then each live instance's state)
// and the meta switched to it.

const metaMagic = "PXS1"

const (
	recPromise byte = iota + 1
	recAccept
	recDecide
	recDone
	recFloor
)

type storage struct {
	prefix string
	gen    uint64 // generation of the current log file
	size   int    // bytes in the current log file
	synced int    // the log length the ledger vouches for
	dirty  bool   // written since the last Sync
}

func (s *storage) metaName() string   { return s.prefix + ".meta" }
func (s *storage) logName() string    { return s.prefix + ".log." + strconv.FormatUint(s.gen, 10) }
func (s *storage) ledgerName() string { return s.prefix + ".sync." + strconv.FormatUint(s.gen, 10) }

// isLog says whether name is one of this peer's logs or ledgers, of any
// generation (or the single log of the layout before generations).
func (s *storage) isLog(name string) bool {
	return strings.HasPrefix(name, s.prefix+".log") || strings.HasPrefix(name, s.prefix+".sync.")
}

func (s *storage) append(env node.Env, rec []byte) {
	b := frame.Of(rec)
	env.Disk().Append(s.logName(), b)
	s.size += len(b)
	s.dirty = true
}

// saveMeta replaces the meta file with the current generation.
func (s *storage) saveMeta(env node.Env) {
	env.Disk().WriteFile(s.metaName(), frame.Meta(metaMagic, s.gen))
	s.dirty = true
}

// sync makes what was written durable, and the ledger vouch for the log.
func (s *storage) sync(env node.Env) {
	if !s.dirty {
		return
	}
	d := env.Disk()
	d.Sync()
	if s.size != s.synced {
		frame.LedgerAppend(d, s.ledgerName(), s.size)
		s.synced = s.size
		d.Sync()
	}
	s.dirty = false
}

func record(kind byte, ints ...int) []byte {
	b := []byte{kind}
	for _, v := range ints {
		b = binary.AppendVarint(b, int64(v))
	}
	return b
}

func (s *storage) appendPromise(env node.Env, seq, n int) {
	s.append(env, record(recPromise, seq, n))
}

func (s *storage) appendAccept(env node.Env, seq, n int, v []byte) {
	s.append(env, append(record(recAccept, seq, n), v...))
}

func (s *storage) appendDecide(env node.Env, seq int, v []byte) {
	s.append(env, append(record(recDecide, seq), v...))
}

func (s *storage) appendDone(env node.Env, seq int) { s.append(env, record(recDone, seq)) }

// restore rebuilds the state from the files, or refuses to start over
// damaged ones before writing anything.
func (px *Paxos) restore(env node.Env) {
	d, s := env.Disk(), &px.store
	meta, err := d.ReadFile(s.metaName())
	if err != nil {
		for _, name := range d.Names() {
			if s.isLog(name) {
				node.Refuse(&node.Damage{File: s.metaName(), Offset: -1,
					Found: fmt.Sprintf("missing, but %s exists: which log is current and how much of it was synced are lost", name)})
			}
		}
		px.restored()
		// A new peer: the meta comes first, so that a log never exists
		// without one.
		s.gen = 1
		s.saveMeta(env)
		s.sync(env)
		return
	}
	s.gen = frame.ReadMeta(s.metaName(), meta, metaMagic, 1)[0]
	name := s.logName()
	l := frame.ReadLog(d, name, s.ledgerName())
	for i, payload := range l.Records {
		if err := px.replay(payload); err != nil {
			node.Refuse(&node.Damage{File: name, Offset: int64(l.At[i]),
				Found: fmt.Sprintf("record %d, whose checksum holds, does not replay: %v", i, err)})
		}
	}
	s.size, s.synced = l.End, l.Synced
	if len(l.Records) > 0 {
		env.Mark(markRestartWithState)
	}
	px.forgetBelowFloor()
	px.restored()
	if l.Rewrite {
		// Drop the torn tail for good, so later appends follow a whole
		// record, in the log and in its ledger.
		if l.TornTail {
			env.Mark(markTornTail)
		}
		px.compact(env)
	}
	for _, other := range d.Names() {
		if other != s.logName() && other != s.ledgerName() && s.isLog(other) {
			d.Remove(other) // left by a crash in the middle of a compaction
		}
	}
}

// restored hands the restored state to Config.Restored, before any write.
func (px *Paxos) restored() {
	if px.cfg.Restored != nil {
		px.cfg.Restored()
	}
}

// replay applies one record.
func (px *Paxos) replay(rec []byte) error {
	if len(rec) == 0 {
		return errors.New("empty record")
	}
	kind, r := rec[0], rec[1:]
	var short bool
	next := func() int {
		v, n := binary.Varint(r)
		if n <= 0 {
			short = true
			return 0
		}
		r = r[n:]
		return int(v)
	}
	switch kind {
	case recPromise:
		seq, n := next(), next()
		if short {
			break
		}
		in := px.get(seq)
		in.np = max(in.np, n)
		px.seeProposal(n)
		px.maxSeq = max(px.maxSeq, seq)
	case recAccept:
		seq, n := next(), next()
		if short {
			break
		}
		in := px.get(seq)
		in.np, in.na, in.va = max(in.np, n), n, slices.Clone(r)
		px.seeProposal(n)
		px.maxSeq = max(px.maxSeq, seq)
	case recDecide:
		seq := next()
		if short {
			break
		}
		in := px.get(seq)
		in.decided, in.v = true, slices.Clone(r)
		px.maxSeq = max(px.maxSeq, seq)
		px.known = max(px.known, seq)
	case recDone:
		if v := next(); !short {
			px.done[px.meIndex] = max(px.done[px.meIndex], v)
		}
	case recFloor:
		if v := next(); !short {
			px.floor = max(px.floor, v)
		}
	default:
		return fmt.Errorf("unknown record kind %d", kind)
	}
	if short {
		return fmt.Errorf("a record of kind %d is cut short", kind)
	}
	return nil
}

func (px *Paxos) forgetBelowFloor() {
	//simlab:unordered deleting every key below the floor, in any order, leaves the same map
	for seq := range px.inst {
		if seq < px.floor {
			delete(px.inst, seq)
		}
	}
}

// liveSize estimates the bytes a rewrite would take.
func (px *Paxos) liveSize() int {
	n := 64
	//simlab:unordered a sum
	for _, in := range px.inst {
		n += 3*(frame.Header+24) + len(in.va) + len(in.v)
	}
	return n
}

// compact rewrites the file with only the live state, atomically, and
// syncs it.
func (px *Paxos) compact(env node.Env) {
	var b []byte
	b = frame.Append(b, record(recFloor, px.floor))
	b = frame.Append(b, record(recDone, px.done[px.meIndex]))
	for _, seq := range node.SortedKeys(px.inst) {
		in := px.inst[seq]
		if in.na > 0 {
			b = frame.Append(b, append(record(recAccept, seq, in.na), in.va...))
		}
		if in.np > in.na {
			b = frame.Append(b, record(recPromise, seq, in.np))
		}
		if in.decided {
			b = frame.Append(b, append(record(recDecide, seq), in.v...))
		}
	}
	oldLog, oldLedger := px.store.logName(), px.store.ledgerName()
	px.store.gen++
	d := env.Disk()
	d.WriteFile(px.store.logName(), b)
	d.Sync()
	frame.LedgerAppend(d, px.store.ledgerName(), len(b))
	px.store.size, px.store.synced = len(b), len(b)
	px.store.saveMeta(env) // names the new log
	d.Sync()
	px.store.dirty = false
	d.Remove(oldLog)
	d.Remove(oldLedger)
	px.stats.Compactions++
}
