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
}

// Recorder collects a history as clients run. Clients call Call when they
// issue an operation and Return when its answer arrives; operations never
// returned are unknown. Times come from the clock given to NewRecorder
// (the simulator's virtual time).
type Recorder struct {
	now func() time.Duration
	ops []Op
}

// NewRecorder returns an empty recorder reading time from now.
func NewRecorder(now func() time.Duration) *Recorder { return &Recorder{now: now} }

// Call records the invocation of an operation and returns its id.
func (r *Recorder) Call(client int, input any) int {
	r.ops = append(r.ops, Op{Client: client, Input: input, Call: r.now()})
	return len(r.ops) - 1
}

// Return records the answer to operation id.
func (r *Recorder) Return(id int, output any) {
	op := &r.ops[id]
	op.Output, op.Return, op.Done = output, r.now(), true
}

// Ops returns the history so far.
func (r *Recorder) Ops() []Op { return r.ops }

// Len is the number of operations recorded.
func (r *Recorder) Len() int { return len(r.ops) }

// endOfTime is where unknown operations return: after everything else.
const endOfTime = time.Duration(math.MaxInt64 / 2)
