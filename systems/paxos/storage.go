package paxos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/internal/frame"
)

// A peer's file (Config.FilePrefix + ".log") is a sequence of framed
// records, appended as the state changes:
//
//	promise seq n         the acceptor promised n for seq
//	accept  seq n value   it accepted (n, value) for seq
//	decide  seq value     seq is decided
//	done    seq           this peer called Done(seq)
//	floor   min           instances below min were forgotten
//
// Replayed in order they rebuild the state; a torn last record (a crash in
// the middle of an append) was never synced, so nothing relied on it, and
// it is dropped. Once most of the file is about forgotten instances it is
// rewritten with WriteFile, which replaces it whole or not at all: the
// floor first, then this peer's Done, then each live instance's state.

const (
	recPromise byte = iota + 1
	recAccept
	recDecide
	recDone
	recFloor
)

type storage struct {
	name  string
	size  int  // bytes in the file
	dirty bool // written since the last Sync
}

func (s *storage) append(env node.Env, rec []byte) {
	b := frame.Of(rec)
	env.Disk().Append(s.name, b)
	s.size += len(b)
	s.dirty = true
}

func (s *storage) sync(env node.Env) {
	if s.dirty {
		env.Disk().Sync()
		s.dirty = false
	}
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

var errCorrupt = errors.New("paxos: corrupt state file")

// restore rebuilds the state from the file.
func (px *Paxos) restore(env node.Env) {
	b, err := env.Disk().ReadFile(px.store.name)
	if err != nil {
		return // a new peer
	}
	rest := b
	records := 0
	for len(rest) > 0 {
		payload, next, ok := frame.Next(rest)
		if !ok {
			break
		}
		if err := px.replay(payload); err != nil {
			panic(fmt.Sprintf("%v: record %d: %v", errCorrupt, records, err))
		}
		records++
		rest = next
	}
	px.store.size = len(b) - len(rest)
	if records > 0 {
		env.Mark(markRestartWithState)
	}
	px.forgetBelowFloor()
	if len(rest) > 0 {
		// Drop the torn tail for good, so later appends follow a whole
		// record.
		env.Mark(markTornTail)
		px.compact(env)
	}
}

// replay applies one record.
func (px *Paxos) replay(rec []byte) error {
	if len(rec) == 0 {
		return errors.New("empty record")
	}
	kind, r := rec[0], rec[1:]
	next := func() int {
		v, n := binary.Varint(r)
		if n <= 0 {
			panic(fmt.Sprintf("%v: a record of kind %d is cut short", errCorrupt, kind))
		}
		r = r[n:]
		return int(v)
	}
	switch kind {
	case recPromise:
		seq, n := next(), next()
		in := px.get(seq)
		in.np = max(in.np, n)
		px.seeProposal(n)
		px.maxSeq = max(px.maxSeq, seq)
	case recAccept:
		seq, n := next(), next()
		in := px.get(seq)
		in.np, in.na, in.va = max(in.np, n), n, slices.Clone(r)
		px.seeProposal(n)
		px.maxSeq = max(px.maxSeq, seq)
	case recDecide:
		seq := next()
		in := px.get(seq)
		in.decided, in.v = true, slices.Clone(r)
		px.maxSeq = max(px.maxSeq, seq)
		px.known = max(px.known, seq)
	case recDone:
		px.done[px.meIndex] = max(px.done[px.meIndex], next())
	case recFloor:
		px.floor = max(px.floor, next())
	default:
		return fmt.Errorf("unknown record kind %d", kind)
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
	env.Disk().WriteFile(px.store.name, b)
	px.store.size = len(b)
	px.store.dirty = true
	px.store.sync(env)
	px.stats.Compactions++
}
