package isolate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"
)

// Env is the environment variable that makes a started copy of the
// program a worker.
const Env = "SIMLAB_SIMRUN_WORKER"

// ServeIfWorker turns the process into a worker if it was started as one,
// running each job it reads with run, and never returns then; otherwise it
// returns at once. A program's main calls it first; a test binary that
// runs pools calls it from TestMain.
func ServeIfWorker[S, J, R any](run func(S, J) R) {
	if os.Getenv(Env) != "1" {
		return
	}
	signal.Ignore(StopSignals...) // the parent decides what Ctrl-C stops
	out := os.NewFile(3, "results")
	if out == nil {
		fmt.Fprintln(os.Stderr, "worker: no results pipe on fd 3")
		os.Exit(2)
	}
	if err := Serve(os.Stdin, out, run); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// Serve reads a setup and then jobs from in, and writes the result of each
// job to out, until in ends.
func Serve[S, J, R any](in io.Reader, out io.Writer, run func(S, J) R) error {
	dec := json.NewDecoder(in)
	enc := json.NewEncoder(out)
	var setup S
	if err := dec.Decode(&setup); err != nil {
		return fmt.Errorf("reading the setup: %w", err)
	}
	for {
		var j J
		if err := dec.Decode(&j); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a job: %w", err)
		}
		if err := enc.Encode(run(setup, j)); err != nil {
			return fmt.Errorf("writing a result: %w", err)
		}
	}
}

// Lost says how a job was lost: "hung" (it outlived its time limit) or
// "crashed" (it killed its process), and the evidence: the stuck stacks,
// or what the process said as it died.
type Lost struct {
	How, Evidence string
}

// worker is one worker process.
type worker[J, R any] struct {
	cmd     *exec.Cmd
	jobs    *json.Encoder
	stdin   io.Closer
	results chan R // closed when the worker's results pipe closes
	stderr  *tailBuffer
	stacks  func(dump string) string
}

// startWorker starts a worker process and sends it the setup.
func startWorker[J, R any](setup any, stacks func(string) string) (*worker[J, R], error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), Env+"=1")
	cmd.ExtraFiles = []*os.File{wr}
	w := &worker[J, R]{cmd: cmd, results: make(chan R), stderr: &tailBuffer{max: 64 << 10}, stacks: stacks}
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
			var r R
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

// run hands the worker one job and waits for its result, at most timeout.
// A lost job is reported with the worker gone.
func (w *worker[J, R]) run(j J, timeout time.Duration) (R, *Lost) {
	var zero R
	mark := w.stderr.len()
	if err := w.jobs.Encode(j); err != nil {
		w.kill()
		return zero, &Lost{"crashed", w.death(mark)}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r, ok := <-w.results:
		if ok {
			return r, nil
		}
		w.cmd.Wait()
		return zero, &Lost{"crashed", w.death(mark)}
	case <-timer.C:
		return zero, &Lost{"hung", fmt.Sprintf("still running after %v of wall time (-run-timeout); its stack:\n%s", timeout, w.dump(mark))}
	}
}

// dump asks a hung worker for its goroutines' stacks and returns the ones
// the caller's filter keeps.
func (w *worker[J, R]) dump(mark int) string {
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
	return w.stacks(w.stderr.since(mark))
}

// death is what a worker said as it died, and how it ended.
func (w *worker[J, R]) death(mark int) string {
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

func (w *worker[J, R]) close() {
	w.stdin.Close()
	w.cmd.Wait()
}

func (w *worker[J, R]) kill() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}
