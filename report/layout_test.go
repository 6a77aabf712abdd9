package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

func toyRun(t *testing.T) Run {
	t.Helper()
	run, out, err := CaptureScenario(toyScenario(), 1, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || len(out.Failures) == 0 || !strings.Contains(out.Failures[0].Msg, "not linearizable") {
		t.Fatalf("the toy store's run should fail its linearizability check; got passed=%v %v", out.Passed, out.Failures)
	}
	return run
}

// TestMessageFates: every way a message ends gets its own fate, and a
// message is drawn once per copy that arrived or died. The layout reads
// the records' fields, not their text: the details here say nothing a
// parser could use.
func TestMessageFates(t *testing.T) {
	ms := time.Millisecond
	rec := func(kind string, at time.Duration, node, peer string, id uint64, reason string) sim.Record {
		return sim.Record{Kind: kind, Time: at, Node: node, Peer: peer, ID: id, MsgType: "M", Reason: reason,
			Detail: "what a person reads: lost? partitioned? {M}"}
	}
	tests := []struct {
		name    string
		records []sim.Record
		want    []int   // fates, by send time
		ends    []int64 // ends, by send time
	}{
		{"delivered", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("recv", 3*ms, "b", "a", 1, "")}, []int{fateDelivered}, []int64{int64(3 * ms)}},
		{"duplicated", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("recv", 2*ms, "b", "a", 1, ""), rec("recv", 4*ms, "b", "a", 1, "")},
			[]int{fateDelivered, fateDuplicate}, []int64{int64(2 * ms), int64(4 * ms)}},
		{"lost", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("drop", ms, "a", "b", 1, "lost")}, []int{fateLost}, []int64{int64(ms)}},
		{"cut", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("drop", ms, "a", "b", 1, "partitioned")}, []int{fateCut}, []int64{int64(ms)}},
		{"receiver down", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("drop", 5*ms, "a", "b", 1, "receiver down")}, []int{fateDropped}, []int64{int64(5 * ms)}},
		{"in flight", []sim.Record{rec("send", ms, "a", "b", 1, ""), rec("log", 9*ms, "", "", 0, "")}, []int{fateInFlight}, []int64{int64(9 * ms)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := layout(Run{Records: tt.records, Outcome: outcomeOf([]string{"a", "b"})})
			m := p.Worlds[0].Msgs
			if !slices.Equal(m.Fate, tt.want) || !slices.Equal(m.End, tt.ends) {
				t.Errorf("fates %v ends %v, want %v %v", m.Fate, m.End, tt.want, tt.ends)
			}
			if p.Strings[m.Type[0]] != "M" {
				t.Errorf("type %q, want M", p.Strings[m.Type[0]])
			}
			if m.Why[0] >= 0 && p.Strings[m.Why[0]] != tt.records[1].Reason {
				t.Errorf("why %q, want the record's reason %q", p.Strings[m.Why[0]], tt.records[1].Reason)
			}
		})
	}
}

// TestNetBands: a net record's change, as data, becomes the band each lane
// is drawn in until the next change.
func TestNetBands(t *testing.T) {
	lanes := []string{"s0", "s1", "s2", "c0"}
	net := func(at time.Duration, op string, groups ...[]string) sim.Record {
		return sim.Record{Kind: "net", Time: at, Detail: "not parsed", Net: &sim.NetChange{Op: op, Groups: groups}}
	}
	s := time.Second
	p := layout(Run{Outcome: outcomeOf(lanes), Records: []sim.Record{
		{Kind: "start", Node: "s0"}, {Kind: "start", Node: "s1"}, {Kind: "start", Node: "s2"}, {Kind: "start", Node: "c0"},
		net(1*s, "partition", []string{"s0", "s1"}, []string{"s2"}),
		net(2*s, "ring", []string{"s2", "s0", "s1"}),
		net(3*s, "isolate", []string{"s1"}),
		net(4*s, "heal"),
		net(5*s, "clog", []string{"s0"}, []string{"s1"}),
		net(6*s, "default"),
		{Kind: "log", Time: 7 * s, Node: "c0"},
	}})
	want := []band{
		{Kind: "net", Node: -1, Start: int64(1 * s), End: int64(2 * s), Groups: []int{0, 0, 1, -1}},
		{Kind: "net", Node: -1, Start: int64(2 * s), End: int64(3 * s), Groups: []int{0, 0, 0, -1}},
		{Kind: "net", Node: -1, Start: int64(3 * s), End: int64(4 * s), Groups: []int{0, 1, 0, 0}},
		{Kind: "net", Node: -1, Start: int64(5 * s), End: int64(6 * s)},
	}
	got := p.Worlds[0].Bands
	if len(got) != len(want) {
		t.Fatalf("%d bands, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Kind != w.Kind || g.Node != w.Node || g.Start != w.Start || g.End != w.End || !slices.Equal(g.Groups, w.Groups) {
			t.Errorf("band %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestLayoutMatchesTheTrace checks the page's data against the run's own
// trace records: every message copy, every band and every operation.
func TestLayoutMatchesTheTrace(t *testing.T) {
	run := toyRun(t)
	p := layout(run)
	if len(p.Worlds) != 1 {
		t.Fatalf("%d worlds, want 1", len(p.Worlds))
	}
	w := p.Worlds[0]
	if !slices.Equal(w.Nodes, []string{"s0", "c0", "c1"}) {
		t.Errorf("lanes %v, want s0 c0 c1 in the order they were added", w.Nodes)
	}
	// Messages: one entry per recv or drop record, and one per message
	// neither ever closed.
	closes := map[uint64]int{}
	var recvs, drops, sends int
	for _, r := range run.Records {
		switch r.Kind {
		case "send":
			sends++
		case "recv":
			recvs++
			closes[r.ID]++
		case "drop":
			drops++
			closes[r.ID]++
		}
	}
	inFlight := 0
	for _, r := range run.Records {
		if r.Kind == "send" && closes[r.ID] == 0 {
			inFlight++
		}
	}
	count := map[int]int{}
	for _, f := range w.Msgs.Fate {
		count[f]++
	}
	if got := count[fateDelivered] + count[fateDuplicate]; got != recvs {
		t.Errorf("%d delivered copies drawn, the trace has %d receives", got, recvs)
	}
	if got := count[fateLost] + count[fateCut] + count[fateDropped]; got != drops {
		t.Errorf("%d dead messages drawn, the trace has %d drops", got, drops)
	}
	if count[fateInFlight] != inFlight {
		t.Errorf("%d in flight drawn, want %d", count[fateInFlight], inFlight)
	}
	if count[fateLost] == 0 || count[fateCut] == 0 || count[fateDuplicate] == 0 {
		t.Errorf("the toy run's loss, partition and duplication should show: %v", count)
	}
	if !slices.IsSorted(w.Msgs.Send) {
		t.Error("messages are not sorted by send time")
	}
	// Bands: the server down from its crash to its restart, paused for
	// 200 ms, and the partition with its two sides.
	find := func(kind string) *band {
		for i := range w.Bands {
			if w.Bands[i].Kind == kind {
				return &w.Bands[i]
			}
		}
		return nil
	}
	if b := find("down"); b == nil || b.Node != 0 || b.Start != int64(1200*time.Millisecond) || b.End != int64(1500*time.Millisecond) {
		t.Errorf("down band %+v, want s0 from 1.2s to 1.5s", b)
	}
	if b := find("paused"); b == nil || b.Start != int64(1800*time.Millisecond) || b.End != int64(2000*time.Millisecond) {
		t.Errorf("paused band %+v, want s0 from 1.8s to 2s", b)
	}
	if b := find("net"); b == nil || b.Start != int64(600*time.Millisecond) || b.End != int64(900*time.Millisecond) || !slices.Equal(b.Groups, []int{0, 0, 1}) {
		t.Errorf("net band %+v, want the partition s0,c0 | c1 from 0.6s to 0.9s", b)
	}
	// Operations: on their client's lane, answered by the server.
	if len(w.Ops) == 0 || len(w.Hists) != 1 {
		t.Fatalf("%d operations in %d histories", len(w.Ops), len(w.Hists))
	}
	for _, o := range w.Ops {
		if o.Node != 1 && o.Node != 2 {
			t.Errorf("operation %q on lane %d, want a client's", o.Desc, o.Node)
		}
		if o.Return >= 0 && o.Server != "s0" {
			t.Errorf("operation %q answered by %q, want s0", o.Desc, o.Server)
		}
	}
	h := w.Hists[0]
	if h.Outcome != "not linearizable" || len(h.Partitions) != 1 {
		t.Fatalf("history %+v", h)
	}
	part := h.Partitions[0]
	if part.FirstIllegal < 0 || !strings.HasPrefix(w.Ops[h.First+part.FirstIllegal].Desc, "get") {
		t.Errorf("first illegal operation %d, want a stale get", part.FirstIllegal)
	}
	if len(part.Order) == 0 || len(part.Order) != len(part.States) {
		t.Errorf("order %v with states %v", part.Order, part.States)
	}
	if len(p.Failures) != 1 || p.Failures[0].Kind != "check" {
		t.Errorf("failures %+v", p.Failures)
	}
}

// TestWriteIsSelfContained: the page loads nothing from anywhere.
func TestWriteIsSelfContained(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, toyRun(t)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"http://", "https://", "<link", "src="} {
		if strings.Contains(page, bad) && !(bad == "http://" && strings.Count(page, bad) == strings.Count(page, "http://www.w3.org/2000/svg")) {
			t.Errorf("the page contains %q: it must load nothing", bad)
		}
	}
	if strings.Count(page, "</script>") != 2 {
		t.Errorf("%d script ends: the data must not close its script element", strings.Count(page, "</script>"))
	}
}

// TestEveryScriptIsJoined: each file under assets/js is in the page once,
// in scriptOrder, so a new file cannot be left out of the page unnoticed.
func TestEveryScriptIsJoined(t *testing.T) {
	ents, err := scripts.ReadDir("assets/js")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		files = append(files, e.Name())
	}
	listed := slices.Sorted(slices.Values(scriptOrder))
	if !slices.Equal(files, listed) {
		t.Fatalf("assets/js holds %q, scriptOrder lists %q", files, scriptOrder)
	}
	last := -1
	for _, name := range scriptOrder {
		at := strings.Index(script, "// ==== "+name+" ====")
		if at <= last {
			t.Fatalf("%s is not joined after the scripts before it in scriptOrder", name)
		}
		last = at
	}
	if !strings.HasSuffix(script, "})();\n") || strings.Count(script, "(function () {") != 1 {
		t.Error("the scripts are not wrapped in one function")
	}
}

// outcomeOf is the outcome of a run with these nodes, for a layout test.
func outcomeOf(names []string) scenarios.Outcome {
	var out scenarios.Outcome
	for _, n := range names {
		out.Nodes = append(out.Nodes, scenarios.NodeStats{Name: n})
	}
	return out
}
