package etcdraft

import (
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/simlab-go/simlab/checker"
)

// logMirror follows what the host puts in its MemoryStorage (appends,
// snapshots, compactions), so that the invariant checker can read the log
// after every event without MemoryStorage.Entries, which locks and
// computes the protobuf size of what it returns. Entries are etcd's own
// *pb.Entry values, which nobody modifies once appended.
type logMirror struct {
	base     uint64 // the snapshot's index: entries[0] is base+1
	baseTerm uint64
	entries  []*pb.Entry
}

func (m *logMirror) last() uint64 { return m.base + uint64(len(m.entries)) }

// appendEntries mirrors MemoryStorage.Append: entries from a given index on
// replace what was there.
func (m *logMirror) appendEntries(ents []*pb.Entry) {
	for len(ents) > 0 && ents[0].GetIndex() <= m.base {
		ents = ents[1:] // compacted already
	}
	if len(ents) == 0 {
		return
	}
	keep := min(ents[0].GetIndex()-m.base-1, uint64(len(m.entries)))
	m.entries = append(m.entries[:keep:keep], ents...)
}

// reset mirrors MemoryStorage.ApplySnapshot: the log is the snapshot.
func (m *logMirror) reset(index, term uint64) {
	m.base, m.baseTerm, m.entries = index, term, nil
}

// compact mirrors MemoryStorage.Compact.
func (m *logMirror) compact(index uint64) {
	if index <= m.base || index > m.last() {
		return
	}
	k := index - m.base
	m.baseTerm = m.entries[k-1].GetTerm()
	m.entries = append([]*pb.Entry(nil), m.entries[k:]...)
	m.base = index
}

// view is the log as the checker sees it, with the host's term, role and
// commit index.
func (m *logMirror) view(term uint64, leader bool, commit uint64) checker.LogView {
	return checker.LogView{
		Term: int(term), Leader: leader, CommitIndex: int(commit),
		FirstIndex: int(m.base), LastIndex: int(m.last()),
		EntryData: func(i int) (int, []byte, bool) {
			switch {
			case uint64(i) == m.base:
				return int(m.baseTerm), nil, true
			case uint64(i) > m.base && uint64(i) <= m.last():
				e := m.entries[uint64(i)-m.base-1]
				return int(e.GetTerm()), e.GetData(), true
			}
			return 0, nil, false
		},
	}
}
