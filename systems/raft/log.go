package raft

import (
	"fmt"
	"hash/fnv"
	"math/bits"
)

// logEntry is an entry in memory: the command, its encoding for the disk,
// and the chain hash of the log up to it.
type logEntry struct {
	term    int
	command any
	data    []byte
	chain   uint64
}

// raftLog is the log after the snapshot: entries[0] has index base+1. The
// entry at base itself is the snapshot's last included entry, of which only
// the term and chain hash remain.
type raftLog struct {
	base      int
	baseTerm  int
	baseChain uint64
	entries   []logEntry
}

func (l *raftLog) lastIndex() int { return l.base + len(l.entries) }

func (l *raftLog) lastTerm() int {
	if len(l.entries) == 0 {
		return l.baseTerm
	}
	return l.entries[len(l.entries)-1].term
}

// term returns the term of the entry at i, for base ≤ i ≤ lastIndex.
func (l *raftLog) term(i int) (int, bool) {
	switch {
	case i == l.base:
		return l.baseTerm, true
	case i > l.base && i <= l.lastIndex():
		return l.entries[i-l.base-1].term, true
	}
	return 0, false
}

// chain returns the chain hash at i, for base ≤ i ≤ lastIndex.
func (l *raftLog) chain(i int) (uint64, bool) {
	switch {
	case i == l.base:
		return l.baseChain, true
	case i > l.base && i <= l.lastIndex():
		return l.entries[i-l.base-1].chain, true
	}
	return 0, false
}

// at returns the entry at i, for base < i ≤ lastIndex.
func (l *raftLog) at(i int) *logEntry {
	if i <= l.base || i > l.lastIndex() {
		panic(fmt.Sprintf("raft: entry %d outside the log (%d, %d]", i, l.base, l.lastIndex()))
	}
	return &l.entries[i-l.base-1]
}

// append adds an entry at lastIndex+1, computing its chain hash.
func (l *raftLog) append(term int, command any, data []byte) {
	prev, _ := l.chain(l.lastIndex())
	l.entries = append(l.entries, logEntry{term: term, command: command, data: data, chain: chainHash(prev, term, data)})
}

// truncate drops every entry after i.
func (l *raftLog) truncate(i int) {
	clear(l.entries[i-l.base:])
	l.entries = l.entries[:i-l.base]
}

// compact makes index i (with the given term and chain) the new base,
// keeping the entries after it if the log has them with that term.
func (l *raftLog) compact(i, term int, chain uint64) {
	var rest []logEntry
	if t, ok := l.term(i); ok && t == term && i < l.lastIndex() {
		rest = append(rest, l.entries[i-l.base:]...)
	}
	l.base, l.baseTerm, l.baseChain, l.entries = i, term, chain, rest
}

// firstIndexOfTerm returns the first index in (base, i] whose term is the
// term at i.
func (l *raftLog) firstIndexOfTerm(i int) int {
	t, _ := l.term(i)
	for i-1 > l.base {
		if pt, _ := l.term(i - 1); pt != t {
			break
		}
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index holding term t, or 0.
func (l *raftLog) lastIndexOfTerm(t int) int {
	for i := l.lastIndex(); i > l.base; i-- {
		switch et, _ := l.term(i); {
		case et == t:
			return i
		case et < t:
			return 0
		}
	}
	return 0
}

// chainHash folds one entry into the hash of the log before it.
func chainHash(prev uint64, term int, data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	x := prev ^ (uint64(term) * 0x9e3779b97f4a7c15) ^ h.Sum64()
	return bits.RotateLeft64(x*0xbf58476d1ce4e5b9, 31) * 0x94d049bb133111eb
}
