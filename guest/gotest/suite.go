// Package gotest runs a Go package's tests, unmodified, as guest programs:
// it builds the package's test binary for wasip1 (Build), compiles it once
// (Open) and runs one test for one seed at a time under package guest's
// virtual clock (Suite.Run), reading the test binary's output for the
// verdict and the failure message.
package gotest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/simlab-go/simlab/guest"
)

// Suite is a package's test binary, compiled and ready to run its tests.
type Suite struct {
	prog  *guest.Program
	dir   string
	tests []string
}

// Open compiles the test binary at path. dir, when set, is the package's
// directory, which its tests see (read-only) as their working directory.
func Open(ctx context.Context, path, dir string) (*Suite, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prog, err := guest.Compile(ctx, bin, guest.CompileOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Suite{prog: prog, dir: dir}, nil
}

// Program is the compiled binary.
func (s *Suite) Program() *guest.Program { return s.prog }

// Close frees the compiled code.
func (s *Suite) Close(ctx context.Context) error { return s.prog.Close(ctx) }

// Tests lists the binary's Test functions (not benchmarks, fuzz targets or
// examples), in source order, asking the binary itself (-test.list).
func (s *Suite) Tests(ctx context.Context) ([]string, error) {
	if s.tests != nil {
		return s.tests, nil
	}
	var out bytes.Buffer
	res, err := s.prog.Run(ctx, guest.Config{Name: binaryName, Args: []string{"-test.list=."}, Dir: s.dir,
		Stdout: &out, Stderr: &out, VirtualLimit: time.Minute, WallLimit: time.Minute})
	if err != nil {
		return nil, err
	}
	if !res.Passed() {
		return nil, fmt.Errorf("listing the tests failed (%s): %s", describe(res), strings.TrimSpace(lastLines(out.String(), 20)))
	}
	tests := []string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if testName.MatchString(l) {
			tests = append(tests, l)
		}
	}
	s.tests = tests
	return tests, nil
}

var testName = regexp.MustCompile(`^Test[^a-z]?\w*$`)

// binaryName is the test binary's argv[0], the same for every build so
// that where a binary is kept never changes a run.
const binaryName = "pkg.test"

// DefaultTimeout is a test's limit of virtual time when RunOptions gives
// none: go test's own default.
const DefaultTimeout = 10 * time.Minute

// RunOptions are how a test is run. Only Timeout and WorkCost change the
// run.
type RunOptions struct {
	// Timeout is the test's limit of virtual time (-test.timeout): past
	// it the testing package panics with every goroutine's stack.
	// DefaultTimeout when zero.
	Timeout time.Duration
	// WorkCost is the virtual time of 1,000 units of the test's work
	// (guest.DefaultWorkCost when zero).
	WorkCost time.Duration
	// WallLimit stops a run that takes longer than this in wall time,
	// with the guest's stack; none when zero.
	WallLimit time.Duration
	// Output receives what the test writes, as it writes it.
	Output io.Writer
	// Scratch, when set, is the host directory the test sees as /tmp, and
	// keeps what the test wrote there (a porcupine visualization, say);
	// a temporary directory removed after the run when empty.
	Scratch string
	// Trace receives every host call.
	Trace func(guest.Record)
}

// Args are the test binary's arguments for one test: with the seed and
// the binary, everything a run depends on.
func Args(test string, timeout time.Duration) []string {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return []string{"-test.run=^" + regexp.QuoteMeta(test) + "$", "-test.count=1", "-test.timeout=" + timeout.String()}
}

// Outcome is one run of one test.
type Outcome struct {
	Test string
	Seed uint64
	guest.Result
	// Verdict is "pass", or what went wrong: "fail" (the test failed),
	// "panic", "timeout" (the test's own -test.timeout), "fatal" (the Go
	// runtime died: a deadlock, a concurrent map write), "exit" (the test
	// binary exited with a status of its own), "no-test" (it ran no test:
	// the name matched none), or the guest's stop reason ("wall-limit",
	// "virtual-limit", "trap").
	Verdict string
	// Message is the failure in one line: the test's own message first.
	Message string
	// Detail is the part of the output that explains it.
	Detail string
	// Output is what the test wrote (its last 8 MB).
	Output []byte
}

// Passed reports whether the test passed.
func (o *Outcome) Passed() bool { return o.Verdict == "pass" }

// outputKept bounds the output an Outcome keeps.
const outputKept = 8 << 20

// Run runs one test for one seed.
func (s *Suite) Run(ctx context.Context, test string, seed uint64, o RunOptions) (*Outcome, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	out := &tailBuffer{max: outputKept}
	var w io.Writer = out
	if o.Output != nil {
		w = io.MultiWriter(out, o.Output)
	}
	res, err := s.prog.Run(ctx, guest.Config{
		Seed:         seed,
		Name:         binaryName,
		Args:         Args(test, timeout),
		Dir:          s.dir,
		Scratch:      o.Scratch,
		Stdout:       w,
		Stderr:       w,
		VirtualLimit: timeout + time.Minute, // the test's own timeout reports first, with stacks
		WallLimit:    o.WallLimit,
		WorkCost:     o.WorkCost,
		Trace:        o.Trace,
	})
	if err != nil {
		return nil, err
	}
	oc := &Outcome{Test: test, Seed: seed, Result: *res, Output: out.bytes()}
	oc.Verdict, oc.Message, oc.Detail = verdict(test, res, string(oc.Output))
	return oc, nil
}

func describe(r *guest.Result) string {
	if r.Stop != "" {
		return string(r.Stop) + ": " + r.Message
	}
	return fmt.Sprintf("exit status %d", r.Exit)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	if t.cut {
		return append([]byte("[… the output's beginning is cut]\n"), t.buf...)
	}
	return t.buf
}
