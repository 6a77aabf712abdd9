package mapreduce

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// TaskKind says what a task does.
type TaskKind int

// The kinds of task; NoTask marks an empty Report.
const (
	NoTask TaskKind = iota
	MapTask
	ReduceTask
)

func (k TaskKind) String() string {
	switch k {
	case MapTask:
		return "map"
	case ReduceTask:
		return "reduce"
	}
	return "none"
}

// Directive is the coordinator's answer to a worker asking for work.
type Directive int

// The directives.
const (
	Wait Directive = iota // nothing to do now: ask again after PollInterval
	Run                   // run the Assignment
	Exit                  // the job is done: exit
)

func (d Directive) String() string {
	return [...]string{Wait: "wait", Run: "run", Exit: "exit"}[d]
}

// TaskReq is an idle worker asking for work, and reporting on the task it
// held before. Retries carry the same Seq and report.
type TaskReq struct {
	Inc  uint64 // the worker's incarnation
	Seq  uint64 // the request's number within the incarnation
	Prev Report
}

// Report is what became of the task a worker held: done, or handed back.
// Start and End are the worker's clock.
type Report struct {
	Kind    TaskKind
	Task    int
	Attempt uint64
	Done    bool
	Start   time.Duration
	End     time.Duration
}

// TaskReply answers the TaskReq with the same Seq.
type TaskReply struct {
	Seq  uint64
	Do   Directive
	Task Assignment // when Do is Run
}

// Assignment is one copy of a task handed to one worker.
type Assignment struct {
	Kind    TaskKind
	Task    int
	Attempt uint64 // unique per copy handed out
	Job     string
	NReduce int
	// Input is a map task's input file on storage.
	Input string
	// Sources, for a reduce task, is where each map task's output is.
	Sources []Source
}

// Source is where a completed map task's output lives: on a worker, in one
// incarnation.
type Source struct {
	Worker node.ID
	Inc    uint64
}

// LocateReq asks where map task Map's output is now, after a fetch failed.
type LocateReq struct {
	Inc     uint64
	Attempt uint64 // the reduce copy asking
	Map     int
}

// LocateResp answers a LocateReq. Done false means the map task is being
// re-executed; Exit means the job is over.
type LocateResp struct {
	Attempt uint64
	Map     int
	Done    bool
	Exit    bool
	Source  Source
}

// Ping is the coordinator checking on a worker.
type Ping struct{ Seq uint64 }

// Pong answers a Ping.
type Pong struct {
	Seq uint64
	Inc uint64
}

// FetchReq asks a map worker for part Reduce of map task Map's output, as
// written by incarnation Inc.
type FetchReq struct {
	Attempt uint64 // the reduce copy asking
	Map     int
	Reduce  int
	Inc     uint64
}

// FetchResp answers a FetchReq. Found is false when the worker no longer has
// that output (it is a later incarnation, Inc, or was told to drop it).
type FetchResp struct {
	Attempt uint64
	Map     int
	Reduce  int
	Inc     uint64
	Found   bool
	Data    []byte
}

func (m FetchResp) String() string {
	return fmt.Sprintf("{Attempt:%d Map:%d Reduce:%d Inc:%d Found:%v Data:%d bytes}", m.Attempt, m.Map, m.Reduce, m.Inc, m.Found, len(m.Data))
}

// ReadReq asks storage for a file. Tag is echoed in the reply.
type ReadReq struct {
	Tag  uint64
	Name string
}

// ReadResp answers a ReadReq.
type ReadResp struct {
	Tag   uint64
	Name  string
	Found bool
	Data  []byte
}

func (m ReadResp) String() string {
	return fmt.Sprintf("{Tag:%d Name:%s Found:%v Data:%d bytes}", m.Tag, m.Name, m.Found, len(m.Data))
}

// WriteReq asks storage to replace a file, atomically; the reply comes once
// the write is durable.
type WriteReq struct {
	Tag  uint64
	Name string
	Data []byte
}

func (m WriteReq) String() string {
	return fmt.Sprintf("{Tag:%d Name:%s Data:%d bytes}", m.Tag, m.Name, len(m.Data))
}

// WriteResp acknowledges a durable WriteReq.
type WriteResp struct {
	Tag  uint64
	Name string
}

// AppendReq asks storage to append to a file, durably: the way to build a
// file piece by piece, never the way to commit an output.
type AppendReq struct {
	Tag  uint64
	Name string
	Data []byte
}

func (m AppendReq) String() string {
	return fmt.Sprintf("{Tag:%d Name:%s Data:%d bytes}", m.Tag, m.Name, len(m.Data))
}

// AppendResp acknowledges a durable AppendReq.
type AppendResp struct {
	Tag  uint64
	Name string
}

// RenameReq asks storage to rename From to To, replacing To atomically.
type RenameReq struct {
	Tag  uint64
	From string
	To   string
}

// RenameResp answers a RenameReq once durable. OK is also true when From is
// gone and To exists: the rename happened before and its answer was lost.
type RenameResp struct {
	Tag  uint64
	From string
	To   string
	OK   bool
}

// ListReq asks storage for the names starting with Prefix.
type ListReq struct {
	Tag    uint64
	Prefix string
}

// ListResp answers a ListReq, names in lexical order.
type ListResp struct {
	Tag    uint64
	Prefix string
	Names  []string
}
