package checker

import (
	"math"
	"time"
)

// Op is one operation of a client history. Times are virtual.
type Op struct {
	Client int
	Input  any
	Output any // nil while pending, and for an operation whose outcome is unknown
	Call   time.Duration
	Return time.Duration
	// Done is false for an operation whose outcome is unknown: the client
	// gave up on it, or the run ended first. It may or may not have taken
	// effect, so it is checked as returning at the end of the history with
	// any output.
	Done bool
	// Node is the client node that issued the operation and AnsweredBy
	// the node whose message completed it (the server that answered), when
	// the recorder can tell (see Recorder.Locate); empty otherwise.
	Node, AnsweredBy string
}

// Recorder collects a history as clients run. Clients call Call when they
// issue an operation and Return when its answer arrives; operations never
// returned are unknown. Times come from the clock given to NewRecorder
// (the simulator's virtual time).
type Recorder struct {
	now    func() time.Duration
	locate func() (nodeName, from string)
	ops    []Op
}

// NewRecorder returns an empty recorder reading time from now.
func NewRecorder(now func() time.Duration) *Recorder { return &Recorder{now: now} }

// Locate has the recorder ask fn, at each call and return, which node is
// running and which node's message it is handling (sim.World.Handling):
// the operation's client node and the server that answered it.
func (r *Recorder) Locate(fn func() (nodeName, from string)) { r.locate = fn }

// Call records the invocation of an operation and returns its id.
func (r *Recorder) Call(client int, input any) int {
	op := Op{Client: client, Input: input, Call: r.now()}
	if r.locate != nil {
		op.Node, _ = r.locate()
	}
	r.ops = append(r.ops, op)
	return len(r.ops) - 1
}

// Return records the answer to operation id.
func (r *Recorder) Return(id int, output any) {
	op := &r.ops[id]
	op.Output, op.Return, op.Done = output, r.now(), true
	if r.locate != nil {
		_, op.AnsweredBy = r.locate()
	}
}

// Ops returns the history so far.
func (r *Recorder) Ops() []Op { return r.ops }

// Len is the number of operations recorded.
func (r *Recorder) Len() int { return len(r.ops) }

// endOfTime is where unknown operations return: after everything else.
const endOfTime = time.Duration(math.MaxInt64 / 2)
