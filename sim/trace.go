package sim

import (
	"fmt"
	"reflect"
	"strconv"
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
	Kind string
	// ID ties records of one thing together: for send, recv and drop, the
	// message's number in its world (both copies of a duplicated message
	// share it); for timer and timeout, the timer's ID on its node.
	ID uint64
	// World is the index of the world the record is from, in the order a
	// run made its worlds (see scenarios.Case.NewWorld); 0 for the first.
	World int
	// Detail is the record for a person to read; the fields below give
	// what a program needs of it as data.
	Detail string
	// MsgType is the message's type, as %T prints it, on send, recv and
	// drop records.
	MsgType string
	// Reason is why a drop record's message was dropped: "lost" or
	// "partitioned" as it was sent, or on arrival "partitioned",
	// "receiver down" or "receiver crashed".
	Reason string
	// Net is what a net record did to the network; nil on other kinds.
	// It is shared by every copy of the record and must not be modified;
	// two records are the same record when reflect.DeepEqual says so.
	Net *NetChange
	// Fingerprint is the run's fingerprint after the record: two runs of
	// one seed first differ at the first record whose fingerprints differ.
	Fingerprint uint64
}

// NetChange is a net record's change to the network, as data.
type NetChange struct {
	// Op names the change: default (the default link changed), type (a
	// TypeFault set or cleared), heal,
	// partition, ring, isolate, bridge, disconnect, connect, cut or clog.
	Op string
	// Groups are the nodes the change names, by name: a partition's
	// groups; a ring's nodes in order, as one group; a bridge's left
	// side, its bridge node and its right side, as three groups; the one
	// node of isolate, disconnect and connect; the sender and the
	// receiver of cut and clog, as one group each. Nil for heal and
	// default.
	Groups [][]string
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

// typeName is v's type as %T prints it, made once per type and shared by
// every record of the run that names it.
func (w *World) typeName(v any) string {
	t := reflect.TypeOf(v)
	name, ok := w.typeNames[t]
	if !ok {
		name = fmt.Sprintf("%T", v)
		if w.typeNames == nil {
			w.typeNames = map[reflect.Type]string{}
		}
		w.typeNames[t] = name
	}
	return name
}

// summarize renders a message or tag for the trace, bounded in length:
// its type once (a type's String method that already starts with its name
// is not prefixed again), and node IDs by their names (see names).
func (w *World) summarize(v any) string {
	var s string
	if st, ok := v.(fmt.Stringer); ok && v != nil {
		s = st.String()
		full := fmt.Sprintf("%T", v)
		short := full[strings.LastIndex(full, ".")+1:]
		if !strings.HasPrefix(s, short) {
			s = full + " " + s
		} else if full != short {
			s = full[:len(full)-len(short)] + s
		}
	} else {
		s = fmt.Sprintf("%T%+v", v, v)
	}
	s = w.names(s)
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}

// Names replaces, in a line of text, every node ID in its default form
// ("n3", a word of its own) by the node's name ("s3", "worker-2"), so that
// a trace or a failure speaks of nodes one way only. The World applies it
// to its trace and its failures; a harness applies it to what a system
// says of itself (a status line written with node IDs).
func (w *World) Names(s string) string { return w.names(s) }

func (w *World) names(s string) string {
	if !strings.Contains(s, "n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'n' && (i == 0 || !isWordByte(s[i-1])) {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j > i+1 && (j == len(s) || !isWordByte(s[j])) {
				if id, err := strconv.Atoi(s[i+1 : j]); err == nil && id < len(w.nodes) {
					b.WriteString(w.nodes[id].name)
					i = j - 1
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Window is a trace sink that keeps the records around one moment of a
// run: the last before records made with at most event events handled,
// and the after records that follow them.
type Window struct {
	event  int64
	before *Tail
	after  []Record
	limit  int
}

// NewWindow returns a sink keeping before records up to event and after
// records past it; pass its Add as Config.Trace.
func NewWindow(event int64, before, after int) *Window {
	return &Window{event: event, before: NewTail(before), limit: after}
}

// Add records r if it falls in the window.
func (w *Window) Add(r Record) {
	if r.Index <= w.event {
		w.before.Add(r)
	} else if len(w.after) < w.limit {
		w.after = append(w.after, r)
	}
}

// Records returns the kept records in order.
func (w *Window) Records() []Record { return append(w.before.Records(), w.after...) }

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
