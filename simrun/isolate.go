package simrun

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// Worker processes. A sweep runs each job in a worker: a copy of the
// program started with SIMLAB_SIMRUN_WORKER=1, which reads jobs on its
// standard input and writes results on file descriptor 3. A run that hangs
// past -run-timeout is asked for its goroutines' stacks (SIGQUIT, which
// makes the Go runtime print them and exit) and replaced; a run that kills
// its process (a fatal error, running out of memory, an os.Exit in a
// dependency) is recorded with what the process said, and the sweep goes
// on with a new worker. That is what Go's fuzzer does with its inputs, for
// the same reasons: an in-process run that loops forever cannot be
// stopped, and one that kills the process takes the sweep with it.

const workerEnv = "SIMLAB_SIMRUN_WORKER"

// workerSetup is the first line a worker reads.
type workerSetup struct {
	Options     scenarios.Options `json:"options"`
	Determinism bool              `json:"determinism"`
	// HTMLDir, when set, receives a report of every failing run.
	HTMLDir string `json:"html_dir,omitempty"`
	// Guest, with -pkg, is the package whose tests the jobs name.
	Guest *guestSetup `json:"guest,omitempty"`
}

// lookup is the scenario a job names: one of the package's tests with
// -pkg, a registered scenario otherwise.
func (s workerSetup) lookup(name string) (scenarios.Scenario, bool) {
	if s.Guest != nil {
		return s.Guest.lookup(name)
	}
	return scenarios.Lookup(name)
}

// ServeIfWorker turns the process into a sweep's worker if it was started
// as one, and never returns then; otherwise it returns at once. Main calls
// it; a test binary that runs sweeps through Program.Run calls it from
// TestMain.
func ServeIfWorker() {
	if os.Getenv(workerEnv) != "1" {
		return
	}
	signal.Ignore(stopSignals...) // the parent decides what Ctrl-C stops
	out := os.NewFile(3, "results")
	if out == nil {
		fmt.Fprintln(os.Stderr, "simrun worker: no results pipe on fd 3")
		os.Exit(2)
	}
	if err := serve(os.Stdin, out); err != nil {
		fmt.Fprintln(os.Stderr, "simrun worker:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func serve(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	enc := json.NewEncoder(out)
	var setup workerSetup
	if err := dec.Decode(&setup); err != nil {
		return fmt.Errorf("reading the setup: %w", err)
	}
	for {
		var j struct {
			Scenario string `json:"scenario"`
			Seed     uint64 `json:"seed"`
		}
		if err := dec.Decode(&j); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a job: %w", err)
		}
		if err := enc.Encode(runJob(setup, job{j.Scenario, j.Seed})); err != nil {
			return fmt.Errorf("writing a result: %w", err)
		}
	}
}

// worker is the parent's handle on one worker process.
type worker struct {
	cmd     *exec.Cmd
	jobs    *json.Encoder
	stdin   io.Closer
	results chan result // closed when the worker's results pipe closes
	stderr  *tailBuffer
}

func startWorker(setup workerSetup) (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.ExtraFiles = []*os.File{wr}
	w := &worker{cmd: cmd, results: make(chan result), stderr: &tailBuffer{max: 64 << 10}}
	cmd.Stdout, cmd.Stderr = w.stderr, w.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	wr.Close()
	w.stdin = stdin
	w.jobs = json.NewEncoder(stdin)
	go func() {
		defer close(w.results)
		dec := json.NewDecoder(bufio.NewReader(rd))
		for {
			var r result
			if err := dec.Decode(&r); err != nil {
				rd.Close()
				return
			}
			w.results <- r
		}
	}()
	if err := w.jobs.Encode(setup); err != nil {
		w.kill()
		return nil, err
	}
	return w, nil
}

// run sends j and waits for its result; a run past timeout comes back as
// hung, one whose worker died as crashed, and the worker is then gone.
func (w *worker) run(j job, timeout time.Duration) (result, bool) {
	lost := lostRun(j, "", "")
	mark := w.stderr.len()
	if err := w.jobs.Encode(struct {
		Scenario string `json:"scenario"`
		Seed     uint64 `json:"seed"`
	}{j.scenario, j.seed}); err != nil {
		w.kill()
		lost.Lost, lost.Evidence = "crashed", w.death(mark)
		return lost, false
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r, ok := <-w.results:
		if ok {
			return r, true
		}
		w.cmd.Wait()
		lost.Lost, lost.Evidence = "crashed", w.death(mark)
		return lost, false
	case <-timer.C:
		lost.Lost = "hung"
		lost.Evidence = fmt.Sprintf("still running after %v of wall time (-run-timeout); its stack:\n%s", timeout, w.stacks(mark))
		return lost, false
	}
}

// stacks asks a hung worker for its goroutines' stacks and returns the
// ones that are running the scenario.
func (w *worker) stacks(mark int) string {
	quit(w.cmd.Process)
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
	for range w.results { // drain, until the pipe closes
	}
	return scenarioStacks(w.stderr.since(mark))
}

// death is what a worker said as it died, and how it ended.
func (w *worker) death(mark int) string {
	out := strings.TrimSpace(w.stderr.since(mark))
	lines := strings.Split(out, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], fmt.Sprintf("… (%d more lines)", len(lines)-40))
	}
	state := "the process ended"
	if w.cmd.ProcessState != nil {
		state = "the process ended: " + w.cmd.ProcessState.String()
	}
	if out == "" {
		return state + ", saying nothing"
	}
	return state + "; it said:\n" + strings.Join(lines, "\n")
}

func (w *worker) close() {
	w.stdin.Close()
	w.cmd.Wait()
}

func (w *worker) kill() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// scenarioStacks keeps, of a goroutine dump, the goroutines whose stacks
// pass through a scenario run (the stuck one), or the whole dump if none
// does.
func scenarioStacks(dump string) string {
	var keep []string
	for _, g := range strings.Split(dump, "\n\n") {
		if strings.Contains(g, "scenarios.runOnce") || strings.Contains(g, "sim.(*World)") {
			keep = append(keep, strings.TrimSpace(g))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(dump)
	}
	return strings.Join(keep, "\n\n")
}

// tailBuffer keeps the last max bytes written to it, counting all bytes
// ever written so that a reader can ask for what came since a mark.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int // bytes dropped from the front
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.dropped += over
	}
	return len(p), nil
}

func (t *tailBuffer) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped + len(t.buf)
}

func (t *tailBuffer) since(mark int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	from := max(mark-t.dropped, 0)
	return string(t.buf[from:])
}
