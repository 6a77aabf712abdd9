package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/internal/browser"
	"github.com/simlab-go/simlab/sim"
)

// artifactDir is where browser tests leave their screenshots:
// $SIMLAB_ARTIFACTS, or a directory of the system's temporary files.
func artifactDir() string {
	if d := os.Getenv("SIMLAB_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "simlab-artifacts")
}

type screenMsg struct {
	I     int     `json:"i"`
	ID    uint64  `json:"id"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Picks *struct {
		What string `json:"what"`
		I    int    `json:"i"`
	} `json:"picks"`
}

type selection struct {
	What string `json:"what"`
	I    int    `json:"i"`
}

type view struct {
	T0 float64 `json:"t0"`
	T1 float64 `json:"t1"`
}

// arrowsIn counts, from the trace alone, the message copies whose span
// from send to delivery (or death, or the run's end) meets [t0, t1]: what
// the diagram must draw for that window.
func arrowsIn(records []sim.Record, t0, t1 time.Duration) int {
	sent := map[uint64]time.Duration{}
	closed := map[uint64]bool{}
	var end time.Duration
	n := 0
	for _, r := range records {
		end = max(end, r.Time)
		switch r.Kind {
		case "send":
			sent[r.ID] = r.Time
		case "recv", "drop":
			closed[r.ID] = true
			if s := sent[r.ID]; s <= t1 && r.Time >= t0 {
				n++
			}
		}
	}
	for id, s := range sent { //simlab:unordered a count
		if !closed[id] && s <= t1 && end >= t0 {
			n++
		}
	}
	return n
}

// TestReportInABrowser loads the report of the toy store's failing run in
// headless Chromium and uses it as a person would.
func TestReportInABrowser(t *testing.T) {
	run := toyRun(t)
	path, err := WriteFile(t.TempDir(), run)
	if err != nil {
		t.Fatal(err)
	}
	page := browser.Open(t, 1400, 1000)
	if err := page.Load(path); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) string {
		t.Helper()
		s, err := browser.Eval[string](page, "JSON.stringify(("+expr+") ?? null)")
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return s
	}
	decode := func(expr string, v any) {
		t.Helper()
		if err := jsonUnmarshal(eval(expr), v); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}

	// It opens at the failure: for a history that does not linearize, at
	// the first operation that cannot, selected.
	var focus struct {
		Op     *int
		T, End float64
	}
	decode("simlabReport.focus()", &focus)
	if focus.Op == nil {
		t.Fatal("the failure's focus is not the operation that cannot linearize")
	}
	var v view
	decode("simlabReport.view()", &v)
	inView := func(v view) bool { return v.T0 <= focus.T && focus.End <= v.T1 }
	if !inView(v) {
		t.Errorf("the report opens at [%v, %v], not at the illegal operation [%v, %v]", time.Duration(v.T0), time.Duration(v.T1), time.Duration(focus.T), time.Duration(focus.End))
	}
	var sel selection
	decode("simlabReport.selected()", &sel)
	if sel.What != "op" || sel.I != *focus.Op {
		t.Errorf("the report opens with %+v selected, not the illegal operation %d", sel, *focus.Op)
	}
	verdict, err := page.Text("#verdict-line")
	if err != nil || !strings.Contains(verdict, "FAIL") || !strings.Contains(verdict, "check failure") {
		t.Errorf("verdict %q (%v)", verdict, err)
	}

	// Lanes and arrows drawn for a window match the trace.
	t0, t1 := 500*time.Millisecond, 1000*time.Millisecond
	decode("simlabReport.setView(5e8, 1e9)", &v)
	var drawn struct {
		Lanes, Arrows int
	}
	decode("simlabReport.drawn", &drawn)
	if drawn.Lanes != 3 {
		t.Errorf("%d lanes drawn, want 3 (s0, c0, c1)", drawn.Lanes)
	}
	if want := arrowsIn(run.Records, t0, t1); drawn.Arrows != want || want == 0 {
		t.Errorf("%d arrows drawn in [%v, %v], the trace has %d messages there", drawn.Arrows, t0, t1, want)
	}

	// Clicking a message shows its fields.
	var msgs []screenMsg
	decode("simlabReport.onScreen()", &msgs)
	var target *screenMsg
	for i := range msgs {
		if m := &msgs[i]; m.Picks != nil && m.Picks.What == "msg" && m.Picks.I == m.I {
			target = m
			break
		}
	}
	if target == nil {
		t.Fatalf("none of the %d messages drawn can be clicked on at its midpoint", len(msgs))
	}
	if err := page.ClickXY(target.X, target.Y); err != nil {
		t.Fatal(err)
	}
	decode("simlabReport.selected()", &sel)
	if sel.What != "msg" || sel.I != target.I {
		t.Errorf("clicking message %d selected %+v", target.I, sel)
	}
	details, err := page.Text("#details")
	if err != nil {
		t.Fatal(err)
	}
	var send sim.Record
	for _, r := range run.Records {
		if r.Kind == "send" && r.ID == target.ID {
			send = r
		}
	}
	for _, want := range []string{send.Node, send.Peer, send.MsgType, "#" + itoa(target.ID)} {
		if !strings.Contains(details, want) {
			t.Errorf("the details of message %d do not say %q:\n%s", target.ID, want, details)
		}
	}
	if strings.Contains(send.Detail, "Value:") && !strings.Contains(details, "Value") {
		t.Errorf("the details do not list the message's fields (%s):\n%s", send.Detail, details)
	}

	// Jumping to the failure moves the view there.
	page.ClickXY(1, 1) // off the diagram
	decode("simlabReport.setView(25e8, 3e9)", &v)
	if inView(v) {
		t.Fatal("the view did not move away from the failure")
	}
	if err := page.Click("#jump-failure"); err != nil {
		t.Fatal(err)
	}
	decode("simlabReport.view()", &v)
	if !inView(v) {
		t.Errorf("after jumping to the failure the view is [%v, %v], the illegal operation at [%v, %v]", time.Duration(v.T0), time.Duration(v.T1), time.Duration(focus.T), time.Duration(focus.End))
	}

	// The linearizability view and the diagram select each other's
	// operations: the illegal get, clicked in the view, is selected and in
	// view in the diagram; an operation clicked in the diagram lights up
	// in the view.
	if err := page.Click("#lin g.op.illegal rect"); err != nil {
		t.Fatal(err)
	}
	decode("simlabReport.selected()", &sel)
	if sel.What != "op" {
		t.Fatalf("clicking the illegal operation selected %+v", sel)
	}
	var pos *struct{ X, Y float64 }
	decode("simlabReport.opOnScreen("+itoa(uint64(sel.I))+")", &pos)
	if pos == nil {
		t.Fatalf("operation %d is not drawn in the diagram after clicking it in the linearizability view", sel.I)
	}
	illegal := sel.I
	other := -1
	for i := 0; i < 200 && other < 0; i++ {
		if i == illegal {
			continue
		}
		decode("simlabReport.opOnScreen("+itoa(uint64(i))+")", &pos)
		if pos != nil && pos.Y > 0 && pos.Y < 1000 {
			other = i
		}
	}
	if other < 0 {
		t.Fatal("no other operation drawn to click")
	}
	eval("document.getElementById('diagram').scrollIntoView()")
	decode("simlabReport.opOnScreen("+itoa(uint64(other))+")", &pos)
	if err := page.ClickXY(pos.X, pos.Y); err != nil {
		t.Fatal(err)
	}
	decode("simlabReport.selected()", &sel)
	if sel.What != "op" || sel.I != other {
		t.Errorf("clicking operation %d in the diagram selected %+v", other, sel)
	}
	var lit int
	decode(`document.querySelectorAll('#lin [data-op="`+itoa(uint64(other))+`"].selected').length`, &lit)
	if lit == 0 {
		t.Errorf("operation %d, selected in the diagram, is not highlighted in the linearizability view", other)
	}

	if errs := page.Errors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
	shot := filepath.Join(artifactDir(), "report-toy-stale-reads.png")
	eval("window.scrollTo(0, 0)")
	if err := page.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}
