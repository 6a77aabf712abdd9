package node

import (
	"fmt"
	"sort"
	"strings"
)

// A Mark names a state of a system worth reaching: "a follower installed a
// snapshot", "a leader was elected over uncommitted entries". System code
// declares its marks once, as package-level variables, and passes one to
// Env.Mark where the state is reached:
//
//	var markConflictTerm = node.NewMark("raft/append-rejected-conflict-term",
//		"a follower rejected AppendEntries over an entry of another term")
//	...
//	env.Mark(markConflictTerm)
//
// A runtime that does not measure coverage ignores the call, which then
// costs an interface call. The simulator, asked to (sim.Config.Coverage),
// counts every mark reached, crossed with the kinds of fault active at the
// moment, so that a sweep can say which states it reached under which
// faults, and which it never reached at all.
type Mark struct{ id int32 }

// MarkInfo describes a declared mark.
type MarkInfo struct {
	Name string // "system/what", e.g. "raft/snapshot-installed"
	Doc  string
}

// System is the part of the name before the first '/'.
func (m MarkInfo) System() string {
	s, _, _ := strings.Cut(m.Name, "/")
	return s
}

// marks is the registry of declared marks, index id-1. It is filled while
// packages initialize, which is single-threaded, and only read afterwards.
var (
	//simlab:readonly written by NewMark during package initialization only
	marks []MarkInfo
	//simlab:readonly written by NewMark during package initialization only
	marksNamed = map[string]int32{}
)

// NewMark declares a mark. Call it only to initialize a package-level
// variable: the registry is written during package initialization and
// read without locks afterwards. Two marks with one name panic.
func NewMark(name, doc string) Mark {
	if name == "" || !strings.Contains(name, "/") {
		panic(fmt.Sprintf("node: mark %q: want a name of the form system/what", name))
	}
	if _, dup := marksNamed[name]; dup {
		panic(fmt.Sprintf("node: two marks named %q", name))
	}
	marks = append(marks, MarkInfo{Name: name, Doc: doc})
	id := int32(len(marks))
	marksNamed[name] = id
	return Mark{id}
}

// Info describes the mark; the zero Mark has an empty MarkInfo.
func (m Mark) Info() MarkInfo {
	if m.id <= 0 || int(m.id) > len(marks) {
		return MarkInfo{}
	}
	return marks[m.id-1]
}

// ID is a small number unique to the mark in this process, from 1; 0 for
// the zero Mark. Runtimes index their counts by it.
func (m Mark) ID() int { return int(m.id) }

// Marks lists every declared mark, by name.
func Marks() []MarkInfo {
	out := append([]MarkInfo(nil), marks...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MarkCount is the number of marks declared, the largest ID.
func MarkCount() int { return len(marks) }

// MarkWithID is the mark whose ID is id (the zero Mark if none is).
func MarkWithID(id int) Mark {
	if id <= 0 || id > len(marks) {
		return Mark{}
	}
	return Mark{int32(id)}
}

// LookupMark finds a declared mark by name.
func LookupMark(name string) (Mark, bool) {
	id, ok := marksNamed[name]
	return Mark{id}, ok
}
