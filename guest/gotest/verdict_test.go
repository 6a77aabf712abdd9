package gotest

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/guest"
)

func TestVerdict(t *testing.T) {
	for _, tt := range []struct {
		name      string
		exit      int
		stop      guest.StopReason
		out       string
		verdict   string
		msg       string
		detailHas string
		noDetail  bool
	}{
		{name: "pass", exit: 0, out: "PASS\n", verdict: "pass", noDetail: true},
		{name: "no test", exit: 0, out: "testing: warning: no tests to run\nPASS\n", verdict: "no-test", msg: "no test is named TestX in this binary"},
		{name: "fatal", exit: 1, out: "Test (3A): initial election ...\n--- FAIL: TestX (4.51s)\n    config.go:58: expected one leader, got none\nFAIL\n",
			verdict: "fail", msg: "config.go:58: expected one leader, got none", noDetail: true},
		{name: "logs then a fatal", exit: 1, out: "--- FAIL: TestX (0.10s)\n    x_test.go:10: round 1\n    x_test.go:12: apply error: commit index=58 server=4 758 != server=3 1808\nFAIL\n",
			verdict: "fail", msg: "x_test.go:12: apply error: commit index=58 server=4 758 != server=3 1808", detailHas: "round 1"},
		{name: "a subtest failed", exit: 1, out: "--- FAIL: TestX (0.00s)\n    --- FAIL: TestX/small (0.00s)\n        x_test.go:20: bad sum\nFAIL\n",
			verdict: "fail", msg: "x_test.go:20: bad sum", detailHas: "TestX/small"},
		{name: "another test's FAIL is not ours", exit: 1, out: "--- FAIL: TestXY (0.00s)\n    x_test.go:1: no\n--- FAIL: TestX (0.00s)\n    x_test.go:2: yes\n",
			verdict: "fail", msg: "x_test.go:2: yes"},
		{name: "panic", exit: 2, out: "--- FAIL: TestX (0.00s)\npanic: assignment to entry in nil map [recovered, repanicked]\n\ngoroutine 7 [running]:\nx.TestX()\n",
			verdict: "panic", msg: "assignment to entry in nil map", detailHas: "goroutine 7 [running]"},
		{name: "timeout", exit: 2, out: "panic: test timed out after 10m0s\n\trunning tests:\n\t\tTestX (10m0s)\n\ngoroutine 1 [chan receive]:\n",
			verdict: "timeout", msg: "test timed out after 10m0s of virtual time", detailHas: "running tests"},
		{name: "deadlock", exit: 2, out: "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\n",
			verdict: "fatal", msg: "fatal error: all goroutines are asleep - deadlock!"},
		{name: "a panic printed by a passing test is no panic", exit: 1, out: "panic: not really\n--- FAIL: TestX (0.00s)\n    x_test.go:3: real failure\n",
			verdict: "fail", msg: "x_test.go:3: real failure"},
		{name: "os.Exit", exit: 3, out: "bye\n", verdict: "exit", msg: "the test binary exited with status 3", detailHas: "bye"},
		{name: "stopped", exit: -1, stop: guest.StopWallLimit, out: "working\n", verdict: "wall-limit", msg: "stopped", detailHas: "working"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &guest.Result{Exit: tt.exit, Stop: tt.stop}
			if tt.stop != "" {
				r.Message, r.Stack = "stopped", ".x.TestX(i32) i32"
			}
			v, msg, detail := verdict("TestX", r, tt.out)
			if v != tt.verdict {
				t.Errorf("verdict %q, want %q", v, tt.verdict)
			}
			if tt.msg != "" && msg != tt.msg {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
			if tt.detailHas != "" && !strings.Contains(detail, tt.detailHas) {
				t.Errorf("detail lacks %q:\n%s", tt.detailHas, detail)
			}
			if tt.noDetail && detail != "" {
				t.Errorf("detail %q, want none: the message says it all", detail)
			}
		})
	}
}

func TestArgsNameOneTest(t *testing.T) {
	got := strings.Join(Args("TestA.B", 0), " ")
	want := `-test.run=^TestA\.B$ -test.count=1 -test.timeout=10m0s`
	if got != want {
		t.Errorf("Args = %s, want %s", got, want)
	}
}
