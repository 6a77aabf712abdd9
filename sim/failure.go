package sim

import (
	"fmt"
	"strings"
	"time"
)

// FailureKind classifies a failure.
type FailureKind string

// The kinds of failure.
const (
	Panic     FailureKind = "panic"     // a handler panicked
	Invariant FailureKind = "invariant" // an observer's check failed
	Liveness  FailureKind = "liveness"  // something that must happen did not
	Budget    FailureKind = "budget"    // the run exceeded its time or event budget
	Livelock  FailureKind = "livelock"  // events raced on while virtual time crawled
	Message   FailureKind = "message"   // a message did not survive the strict-mode gob round trip
	Check     FailureKind = "check"     // a scenario's end-of-run check failed
	Refusal   FailureKind = "refusal"   // a node refused to start over a disk nothing damaged
)

// Failure is what went wrong in a run, with what it takes to replay it.
type Failure struct {
	Kind FailureKind
	Msg  string
	Seed uint64
	Time time.Duration // virtual time of the failure
	// Event is the number of events handled before the failure.
	Event int64
	Node  string // the node at fault, if one is
	// World is the index of the world it happened in, when a run has
	// several (Record.World).
	World int
	Stack string // for panics
	// Detail is more about the failure than its one-line message: for a
	// Go test run as a guest, the part of its output that explains it.
	Detail string
	// Trace holds the last trace records before the failure, when known.
	Trace []Record
	// Scenario and Replay are filled in by the scenario runner: the exact
	// command that replays the run.
	Scenario string
	Replay   string
}

// Error formats the failure on one line.
func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failure", f.Kind)
	if f.Scenario != "" {
		fmt.Fprintf(&b, " in %s", f.Scenario)
	}
	fmt.Fprintf(&b, " (seed %d, t=%s", f.Seed, fmtTime(f.Time))
	if f.Node != "" {
		fmt.Fprintf(&b, ", node %s", f.Node)
	}
	fmt.Fprintf(&b, "): %s", f.Msg)
	return b.String()
}

// Report formats the failure in full: the message, the stack of a panic, the
// trace tail and the replay command.
func (f *Failure) Report() string {
	var b strings.Builder
	b.WriteString(f.Error())
	b.WriteString("\n")
	if f.Detail != "" {
		b.WriteString(strings.TrimRight(f.Detail, "\n"))
		b.WriteString("\n")
	}
	if f.Stack != "" {
		b.WriteString("stack:\n")
		b.WriteString(f.Stack)
	}
	if len(f.Trace) > 0 {
		fmt.Fprintf(&b, "%d trace records around the failure (event #%d):\n", len(f.Trace), f.Event)
		for _, r := range f.Trace {
			b.WriteString("  ")
			b.WriteString(r.String())
			b.WriteString("\n")
		}
	}
	if f.Replay != "" {
		fmt.Fprintf(&b, "replay: %s\n", f.Replay)
	}
	return b.String()
}
