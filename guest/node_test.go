package guest_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/sim"
)

// nodeRun runs the fixture's TestSleepy (three seconds of 100 ms sleeps,
// with os/signal's goroutine waiting all along) as node g of a World,
// crashing it at crashAt and restarting it 500 ms later if crashAt > 0,
// and returns the World and the node's log lines with their times.
func nodeRun(t *testing.T, p *guest.Program, seed uint64, crashAt time.Duration) (*sim.World, []sim.Record) {
	t.Helper()
	var logs []sim.Record
	w := sim.New(seed, sim.Config{Trace: func(r sim.Record) {
		if r.Kind == "log" {
			logs = append(logs, r)
		}
	}})
	g := w.AddNode("g", p.Node(guest.NodeConfig{Args: []string{"-test.run=^TestSleepy$", "-test.v"}}))
	if crashAt > 0 {
		w.At(crashAt, "crash g", func() { w.Crash(g) })
		w.At(crashAt+500*time.Millisecond, "restart g", func() { w.Restart(g) })
	}
	if err := w.RunFor(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	return w, logs
}

// ended is the time the guest's run ended as its log says, and how.
func ended(logs []sim.Record) (time.Duration, string) {
	for _, r := range logs {
		if strings.HasPrefix(r.Detail, "guest ended: ") {
			return r.Time, strings.TrimPrefix(r.Detail, "guest ended: ")
		}
	}
	return -1, ""
}

// TestGuestAsNode: an unmodified Go test runs as a node. Its sleeps are the
// World's timers (thirty of them, the clock jumping from one to the next),
// it ends at three seconds of the World's time, its output is the node's
// log, and the same seed gives the same World fingerprint.
func TestGuestAsNode(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	w, logs := nodeRun(t, p, 1, 0)
	at, how := ended(logs)
	if how != "exit status 0" {
		t.Fatalf("the guest ended %q at %v; want exit status 0\n%v", how, at, logs)
	}
	t.Logf("the guest ended %q at %v of the World's time, after %d handler calls", how, at, w.NodeStats(0).Events)
	if at < 3*time.Second || at > 3*time.Second+100*time.Millisecond {
		t.Errorf("the guest ended at %v of the World's time; want just past 3s", at)
	}
	var sawPass bool
	for _, r := range logs {
		sawPass = sawPass || strings.Contains(r.Detail, "--- PASS: TestSleepy")
	}
	if !sawPass {
		t.Errorf("the guest's output is not in the node's log: %v", logs)
	}
	if st := w.NodeStats(0); st.Events < 31 {
		t.Errorf("%d handler calls at the node; want its start and one per sleep, at least 31", st.Events)
	}
	w2, _ := nodeRun(t, p, 1, 0)
	if w.Fingerprint() != w2.Fingerprint() {
		t.Errorf("the same seed gave fingerprints %x and %x", w.Fingerprint(), w2.Fingerprint())
	}
	w.Close()
	w2.Close()
}

// TestGuestNodeCrashRestart: a crash throws the guest's instance away and
// a restart runs the program again from its start, so it ends 3 s after
// the restart; the crashed instance's goroutine is gone.
func TestGuestNodeCrashRestart(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	before := runtime.NumGoroutine()
	w, logs := nodeRun(t, p, 2, time.Second)
	at, how := ended(logs)
	t.Logf("the restarted guest ended %q at %v", how, at)
	if how != "exit status 0" || at < 4500*time.Millisecond || at > 4600*time.Millisecond {
		t.Fatalf("the restarted guest ended %q at %v; want exit status 0 just past 4.5s", how, at)
	}
	w.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the run, %d before: the crashed guest's goroutine lives on", n, before)
	}
}

// TestGuestWorkIsChargedToTheNode: a guest's work is the node's CPU time.
// TestSleepy works a little between its thirty sleeps; with the World's CPU
// model on, the node is busy for that work before its next timer is set,
// so it ends later in the World's time than with the model off, by the
// work its own clock counted.
func TestGuestWorkIsChargedToTheNode(t *testing.T) {
	p := compileBasics(t, guest.CompileOptions{})
	var ends [2]time.Duration
	for i, cpu := range []bool{false, true} {
		var logs []sim.Record
		w := sim.New(1, sim.Config{CPU: sim.CPUConfig{Enabled: cpu}, Trace: func(r sim.Record) {
			if r.Kind == "log" {
				logs = append(logs, r)
			}
		}})
		w.AddNode("g", p.Node(guest.NodeConfig{Args: []string{"-test.run=^TestSleepy$"}}))
		if err := w.RunFor(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		at, how := ended(logs)
		w.Close()
		if how != "exit status 0" {
			t.Fatalf("CPU model %v: the guest ended %q", cpu, how)
		}
		ends[i] = at
	}
	t.Logf("the guest ended at %v with the CPU model off, %v with it on", ends[0], ends[1])
	if ends[1] <= ends[0] {
		t.Errorf("with the CPU model on the guest ended at %v, not later than the %v without: its work was not charged", ends[1], ends[0])
	}
}
