package sim_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// counted is a message and log argument whose String method counts its
// calls, to see whether anything formats it.
type counted struct {
	N     int
	calls *int
}

func (c counted) String() string {
	*c.calls++
	return fmt.Sprintf("counted(%d)", c.N)
}

// traceScenario runs a small world that produces every kind of trace
// record: starts, sends, receives, timers set and fired, disk writes and
// syncs, logs, drops, crashes, restarts, pauses, clock changes, network
// changes, scheduled calls and a failure.
func traceScenario(t *testing.T, trace func(sim.Record), calls *int) *sim.World {
	t.Helper()
	ms := time.Millisecond
	w := sim.New(11, sim.Config{Trace: trace, Link: fixedLink(ms)})
	j := newJournal(w)
	a := j.add("a", hooks{
		start: func(env node.Env, _ bool) {
			env.Logf("hello %v", counted{1, calls})
			env.Send(1, counted{2, calls})
			env.SetTimer(5*ms, "tick")
			env.Disk().Append("log", []byte("abc"))
			env.Disk().Sync()
		},
		timeout: func(env node.Env, _ node.TimerID, _ any) {
			env.Send(1, num{3}) // b is paused, then crashed: dropped
		},
	})
	b := j.add("b", hooks{})
	w.At(3*ms, "pause b", func() { w.Pause(b) })
	w.At(4*ms, "resume b", func() { w.Resume(b) })
	w.At(5*ms, "crash b", func() { w.Crash(b) })
	w.At(10*ms, "restart b", func() { w.Restart(b) })
	w.At(11*ms, "clock", func() { w.SetClock(a, time.Second, 0) })
	w.At(12*ms, "net", func() { w.Net().Isolate(a); w.Net().Heal() })
	w.At(13*ms, "armed", func() { w.CrashMid(b) })
	w.At(20*ms, "fail", func() { w.Fail(sim.Check, "the end") })
	if err := w.RunFor(time.Second); err == nil {
		t.Fatalf("the scenario's closing Fail did not stop the run")
	}
	return w
}

// TestTraceRecords: with Config.Trace set, every kind of record arrives, in
// order of index and time, with the expected fields.
func TestTraceRecords(t *testing.T) {
	var recs []sim.Record
	calls := 0
	w := traceScenario(t, func(r sim.Record) { recs = append(recs, r) }, &calls)
	kinds := map[string]int{}
	for i, r := range recs {
		kinds[r.Kind]++
		if i > 0 && (r.Index < recs[i-1].Index || r.Time < recs[i-1].Time) {
			t.Errorf("record %d (%v) comes before record %d (%v) in index or time", i, r, i-1, recs[i-1])
		}
		if s := r.String(); strings.Contains(s, "\n") || !strings.Contains(s, r.Kind) {
			t.Errorf("String() = %q; want one line naming kind %s", s, r.Kind)
		}
	}
	for _, k := range []string{"start", "send", "recv", "timeout", "timer", "disk", "sync", "log", "drop", "crash", "restart", "pause", "resume", "clock", "net", "fault", "failure"} {
		if kinds[k] == 0 {
			t.Errorf("no %q record; kinds seen %v", k, kinds)
		}
	}
	if kinds["start"] != 3 {
		t.Errorf("%d start records; want 3 (a, b, b restarted)", kinds["start"])
	}
	last := recs[len(recs)-1]
	if last.Kind != "failure" || last.Detail != "the end" || last.Time != 20*time.Millisecond || last.Fingerprint != w.Fingerprint() {
		t.Errorf("last record %+v; want the failure at 20ms carrying the final fingerprint %x", last, w.Fingerprint())
	}
	find := func(kind string) sim.Record {
		for _, r := range recs {
			if r.Kind == kind {
				return r
			}
		}
		t.Fatalf("no %s record", kind)
		return sim.Record{}
	}
	if r := find("recv"); r.Node != "b" || r.Peer != "a" || r.Time != time.Millisecond || !strings.Contains(r.Detail, "counted(2)") {
		t.Errorf("recv record %+v; want b receiving counted(2) from a at 1ms", r)
	} else if s := r.String(); !strings.Contains(s, "a → b") || !strings.Contains(s, "0.001000s") {
		t.Errorf("recv String() = %q; want it to show a → b at 0.001000s", s)
	}
	if r := find("send"); r.Node != "a" || r.Peer != "b" || !strings.Contains(r.String(), "a → b") {
		t.Errorf("send record %+v; want a → b", r)
	}
	if r := find("log"); r.Node != "a" || r.Detail != "hello counted(1)" {
		t.Errorf("log record %+v; want a's line \"hello counted(1)\"", r)
	}
	if r := find("drop"); r.Node != "a" || r.Peer != "b" || !strings.Contains(r.Detail, "receiver") {
		t.Errorf("drop record %+v; want a's message to b dropped because the receiver is down", r)
	}
	// What a program needs of a record is in its fields, not only its text.
	for _, kind := range []string{"send", "recv"} {
		if r := find(kind); r.MsgType != "sim_test.counted" || r.Reason != "" || r.Net != nil {
			t.Errorf("%s record's data: type %q, reason %q, net %v; want the type sim_test.counted only", kind, r.MsgType, r.Reason, r.Net)
		}
	}
	if r := find("drop"); r.MsgType != "sim_test.num" || !strings.HasPrefix(r.Reason, "receiver ") {
		t.Errorf("drop record's data: type %q, reason %q; want sim_test.num, dropped at a receiver", r.MsgType, r.Reason)
	}
	var nets []sim.NetChange
	for _, r := range recs {
		if r.Kind == "net" {
			nets = append(nets, *r.Net)
		}
	}
	if len(nets) != 2 || nets[0].Op != "isolate" || len(nets[0].Groups) != 1 || !slices.Equal(nets[0].Groups[0], []string{"a"}) ||
		nets[1].Op != "heal" || nets[1].Groups != nil {
		t.Errorf("net changes %+v; want isolate [[a]], then heal", nets)
	}
	if r := find("disk"); r.Node != "a" || !strings.Contains(r.Detail, "append log") || !strings.Contains(r.Detail, "3 bytes") {
		t.Errorf("disk record %+v; want a's append of 3 bytes to log", r)
	}
	if r := find("timeout"); r.Node != "a" || !strings.Contains(r.Detail, "tick") || r.Time != 5*time.Millisecond {
		t.Errorf("timeout record %+v; want a's tick at 5ms", r)
	}
	if r := find("fault"); r.Node != "" || r.Detail != "pause b" || !strings.HasSuffix(r.String(), " - "+strings.Repeat(" ", 13)+"pause b") {
		t.Errorf("fault record %+v; want the call labelled \"pause b\"", r)
	}
	if calls == 0 {
		t.Errorf("String of a traced message and log argument never called; want the trace to format them")
	}
}

// TestTraceOff: with Trace nil nothing formats messages or log arguments,
// and the run is the same as with tracing on.
func TestTraceOff(t *testing.T) {
	calls := 0
	off := traceScenario(t, nil, &calls)
	if calls != 0 {
		t.Errorf("String called %d times with tracing off; want 0 (free when off)", calls)
	}
	n := 0
	on := traceScenario(t, func(sim.Record) { n++ }, &calls)
	if n == 0 {
		t.Fatalf("no records with tracing on")
	}
	if off.Fingerprint() != on.Fingerprint() || off.Stats() != on.Stats() || off.Events() != on.Events() {
		t.Errorf("trace off: fp %x stats %+v; on: fp %x stats %+v; want equal", off.Fingerprint(), off.Stats(), on.Fingerprint(), on.Stats())
	}
}

// TestRecordFingerprints: each record carries the fingerprint so far, so
// two runs of a seed agree record by record.
func TestRecordFingerprints(t *testing.T) {
	var r1, r2 []sim.Record
	calls := 0
	traceScenario(t, func(r sim.Record) { r1 = append(r1, r) }, &calls)
	traceScenario(t, func(r sim.Record) { r2 = append(r2, r) }, &calls)
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("two runs of one seed traced differently (%d vs %d records)", len(r1), len(r2))
	}
	changes := 0
	for i := 1; i < len(r1); i++ {
		if r1[i].Fingerprint != r1[i-1].Fingerprint {
			changes++
		}
	}
	if changes < len(r1)/3 {
		t.Errorf("the fingerprint changed between only %d of %d records; want it to follow the run", changes, len(r1))
	}
}

// TestRecordStringOneLine: a record whose detail holds a newline (a message
// with a multi-line string, a log line) still prints as one line.
func TestRecordStringOneLine(t *testing.T) {
	r := sim.Record{Index: 3, Time: 1500 * time.Millisecond, Node: "a", Peer: "b", Kind: "send", Detail: "x"}
	if got, want := r.String(), "   1.500000s #3       send     a → b          x"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if got := (sim.Record{Kind: "net", Detail: "heal"}).String(); !strings.Contains(got, " - ") || !strings.HasSuffix(got, "heal") {
		t.Errorf("world-wide record String() = %q; want \"-\" for the node", got)
	}
	r.Detail = "multi\nline"
	if got := r.String(); strings.Contains(got, "\n") {
		t.Errorf("String() = %q; want one line", got)
	}
}

// TestTail: NewTail keeps the last n records, oldest first.
func TestTail(t *testing.T) {
	tests := []struct {
		n, add int
		want   []int64 // indexes kept
	}{
		{3, 0, nil},
		{3, 2, []int64{0, 1}},
		{3, 3, []int64{0, 1, 2}},
		{3, 5, []int64{2, 3, 4}},
		{3, 7, []int64{4, 5, 6}},
		{1, 4, []int64{3}},
		{4, 100, []int64{96, 97, 98, 99}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d add=%d", tc.n, tc.add), func(t *testing.T) {
			tail := sim.NewTail(tc.n)
			for i := range tc.add {
				tail.Add(sim.Record{Index: int64(i)})
			}
			var got []int64
			for _, r := range tail.Records() {
				got = append(got, r.Index)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Records() indexes %v; want %v", got, tc.want)
			}
		})
	}
	t.Run("as a trace sink", func(t *testing.T) {
		tail := sim.NewTail(5)
		var all []sim.Record
		calls := 0
		traceScenario(t, func(r sim.Record) { all = append(all, r); tail.Add(r) }, &calls)
		if got := tail.Records(); !slices.Equal(got, all[len(all)-5:]) {
			t.Errorf("tail %v; want the last 5 of %d records", got, len(all))
		}
	})
	t.Run("n=0", func(t *testing.T) {
		tail := sim.NewTail(0)
		if msg, did := panics(func() { tail.Add(sim.Record{}) }); did {
			t.Errorf("NewTail(0).Add panicked: %s; want it to keep nothing", msg)
		}
		if got := tail.Records(); len(got) != 0 {
			t.Errorf("NewTail(0) kept %v; want nothing", got)
		}
	})
}

// stringed has a String method that names its type, as raft's messages do.
type stringed struct{ Leader node.ID }

func (s stringed) String() string { return fmt.Sprintf("stringed{leader %v}", s.Leader) }

// TestTraceNamesNodesAndTypesOnce: a trace line prints a message's type
// once, whether or not the type has a String method, and node IDs by the
// names the nodes were given, in messages and in logs alike.
func TestTraceNamesNodesAndTypesOnce(t *testing.T) {
	var lines []string
	w := sim.New(1, sim.Config{Trace: func(r sim.Record) { lines = append(lines, r.String()) }})
	w.AddNode("alpha", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if _, ok := ev.(*node.Start); ok {
				env.Send(1, stringed{Leader: 1})
				env.Send(1, num{7})
				env.Logf("talking to %v, not to n12 or pn1", node.ID(1))
			}
		})
	})
	w.AddNode("beta", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
	if err := w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"sim_test.stringed{leader beta}", "sim_test.num{", "talking to beta, not to n12 or pn1"} {
		if !strings.Contains(all, want) {
			t.Errorf("trace lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "stringedstringed") || strings.Contains(all, "{leader n1}") {
		t.Errorf("a type printed twice or an ID left as n1:\n%s", all)
	}
}

// TestWindowKeepsTheRecordsAroundAMoment: a Window keeps the last records
// up to its event and the first ones after it.
func TestWindowKeepsTheRecordsAroundAMoment(t *testing.T) {
	w := sim.NewWindow(50, 5, 3)
	for i := int64(0); i <= 100; i++ {
		w.Add(sim.Record{Index: i})
	}
	var got []int64
	for _, r := range w.Records() {
		got = append(got, r.Index)
	}
	if want := []int64{46, 47, 48, 49, 50, 51, 52, 53}; !slices.Equal(got, want) {
		t.Errorf("window kept %v; want %v", got, want)
	}
}

// TestRecordIDsTieMessagesTogether: a send, the receives of its copies and
// its drop carry one number, distinct per message; a timer's set and fire
// carry its ID.
func TestRecordIDsTieMessagesTogether(t *testing.T) {
	ms := time.Millisecond
	dup := sim.LinkConfig{LatencyMin: ms, Dup: 1}
	var recs []sim.Record
	w := sim.New(3, sim.Config{Trace: func(r sim.Record) { recs = append(recs, r) }, Link: &dup})
	j := newJournal(w)
	j.add("a", hooks{start: func(env node.Env, _ bool) {
		env.Send(1, num{1})
		env.Send(1, num{2})
		env.SetTimer(ms, "tick")
	}, timeout: func(env node.Env, _ node.TimerID, _ any) { env.Send(1, num{3}) }})
	b := j.add("b", hooks{})
	w.At(ms+ms/2, "crash b", func() { w.Crash(b) })
	if err := w.RunFor(10 * ms); err != nil {
		t.Fatal(err)
	}
	sends := map[uint64]string{}
	recvs, drops := map[uint64]int{}, map[uint64]int{}
	var timerSet, timerFired uint64
	for _, r := range recs {
		switch r.Kind {
		case "send":
			if _, dup := sends[r.ID]; dup || r.ID == 0 {
				t.Errorf("send numbered %d twice or not at all", r.ID)
			}
			sends[r.ID] = r.Detail
		case "recv":
			recvs[r.ID]++
			if sends[r.ID] != r.Detail {
				t.Errorf("receive #%d is %q, its send %q", r.ID, r.Detail, sends[r.ID])
			}
		case "drop":
			drops[r.ID]++
		case "timer":
			timerSet = r.ID
		case "timeout":
			timerFired = r.ID
		}
	}
	if len(sends) != 3 {
		t.Fatalf("%d sends, want 3", len(sends))
	}
	// The first two arrive in two copies each; the third, sent at 1 ms to
	// b crashed before it arrives, dies twice.
	for id, n := range recvs {
		if n != 2 {
			t.Errorf("message #%d received %d times, want both copies", id, n)
		}
	}
	if len(recvs) != 2 || len(drops) != 1 {
		t.Errorf("received %v, dropped %v", recvs, drops)
	}
	if timerSet == 0 || timerSet != timerFired {
		t.Errorf("timer set as %d, fired as %d", timerSet, timerFired)
	}
}

// TestHandling names the running node and the sender of the message it
// handles, and nothing between handlers.
func TestHandling(t *testing.T) {
	w := sim.New(1, sim.Config{Link: fixedLink(time.Millisecond)})
	type seen struct{ node, from string }
	var got []seen
	j := newJournal(w)
	j.add("a", hooks{start: func(env node.Env, _ bool) {
		n, f := w.Handling()
		got = append(got, seen{n, f})
		env.Send(1, num{1})
	}})
	j.add("b", hooks{recv: func(env node.Env, from node.ID, msg any) {
		n, f := w.Handling()
		got = append(got, seen{n, f})
	}})
	if err := w.RunFor(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n, f := w.Handling(); n != "" || f != "" {
		t.Errorf("between handlers: %q %q", n, f)
	}
	if !slices.Contains(got, seen{"a", ""}) || !slices.Contains(got, seen{"b", "a"}) {
		t.Errorf("Handling saw %v, want a at its start and b receiving from a", got)
	}
}
