package sim

import (
	"fmt"
	"strings"
	"time"
)

// Record is one line of the trace: an event handled, an effect applied or a
// fault injected.
type Record struct {
	// Index is the number of events handled when the record was made.
	Index int64
	Time  time.Duration
	// Node is the node the record is about (the receiver, the sender of a
	// send or drop); empty for world-wide records.
	Node string
	// Peer is the other end of a message, if any.
	Peer string
	// Kind is one of start, recv, timeout, invoke, send, drop, timer, disk,
	// sync, log, crash, restart, pause, resume, clock, net, fault, failure.
	Kind   string
	Detail string
	// Fingerprint is the run's fingerprint after the record: two runs of
	// one seed first differ at the first record whose fingerprints differ.
	Fingerprint uint64
}

// String formats a record as one trace line.
func (r Record) String() string {
	who := r.Node
	if r.Peer != "" {
		switch r.Kind {
		case "recv":
			who = r.Peer + " → " + r.Node
		default:
			who = r.Node + " → " + r.Peer
		}
	}
	if who == "" {
		who = "-"
	}
	detail := strings.ReplaceAll(r.Detail, "\n", `\n`)
	return fmt.Sprintf("%12s #%-7d %-8s %-14s %s", fmtTime(r.Time), r.Index, r.Kind, who, detail)
}

func fmtTime(d time.Duration) string {
	return fmt.Sprintf("%d.%06ds", d/time.Second, (d%time.Second)/time.Microsecond)
}

func (w *World) trace(r Record) {
	if w.cfg.Trace == nil {
		return
	}
	r.Index = w.events
	r.Time = w.now
	r.Fingerprint = w.fp
	w.cfg.Trace(r)
}

// summarize renders a message or tag for the trace, bounded in length.
func summarize(v any) string {
	s := fmt.Sprintf("%T%+v", v, v)
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}

// Tail is a trace sink that keeps the last n records.
type Tail struct {
	n       int
	records []Record
	next    int
	full    bool
}

// NewTail returns a sink keeping the last n records; pass its Add as
// Config.Trace.
func NewTail(n int) *Tail { return &Tail{n: n, records: make([]Record, 0, n)} }

// Add records r, forgetting the oldest record when full.
func (t *Tail) Add(r Record) {
	if t.n <= 0 {
		return
	}
	if len(t.records) < t.n {
		t.records = append(t.records, r)
		return
	}
	t.records[t.next] = r
	t.next = (t.next + 1) % t.n
	t.full = true
}

// Records returns the kept records, oldest first.
func (t *Tail) Records() []Record {
	out := make([]Record, 0, len(t.records))
	out = append(out, t.records[t.next:]...)
	out = append(out, t.records[:t.next]...)
	return out
}
