package simrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// release frees the handlers test/block holds, once its test is over.
var release = make(chan struct{})

// depth recurses until the goroutine's stack is exhausted, which kills the
// process with a fatal error no recover can catch.
func depth(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	//lint:ignore SA5007 the unbounded recursion is the point
	return depth(n+1) + int(pad[0])
}

func init() {
	// Runs that never finish, or take their process down, on even seeds;
	// odd seeds pass, so a sweep shows it goes on.
	misbehave := func(name, summary string, bad func()) {
		scenarios.Register(scenarios.Scenario{Name: name, Summary: summary, Run: func(c *scenarios.Case) {
			w := c.NewWorld(sim.Config{})
			evil := c.Seed()%2 == 0
			w.AddNode("n", func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					switch ev.(type) {
					case *node.Start:
						env.SetTimer(time.Second, nil)
					case *node.Timeout:
						if evil {
							bad()
						}
					}
				})
			})
			c.Apply(w, nil)
			c.Must(w.RunFor(2 * time.Second))
		}})
	}
	misbehave("test/spin", "a handler spins for up to a minute on even seeds", func() {
		for end := time.Now().Add(time.Minute); time.Now().Before(end); {
		}
	})
	misbehave("test/block", "a handler blocks until its test ends, on even seeds", func() { <-release })
	misbehave("test/exit", "a dependency calls os.Exit(3) on even seeds", func() { os.Exit(3) })
	misbehave("test/overflow", "a handler overflows its stack on even seeds: a fatal error", func() {
		debug.SetMaxStack(8 << 20) // its own process: overflow soon
		depth(0)
	})
	scenarios.Register(scenarios.Scenario{Name: "test/sleepy", Summary: "every run takes 200 ms of wall time", Run: func(c *scenarios.Case) {
		w := c.NewWorld(sim.Config{})
		w.AddNode("n", func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
		c.Apply(w, nil)
		time.Sleep(200 * time.Millisecond)
		c.Must(w.RunFor(time.Second))
	}})
}

// TestASweepSurvivesHangsAndCrashes: in worker processes, a run that
// spins past -run-timeout is reported as hung with the stack it is stuck
// in, one that calls os.Exit or dies of a fatal error is reported as
// crashed with what its process said, each with its replay command, and
// the sweep runs every other seed.
func TestASweepSurvivesHangsAndCrashes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("worker processes need a results pipe on fd 3")
	}
	tests := []struct {
		scenario string
		want     []string
	}{
		{"test/spin", []string{"FAIL test/spin seed 2: hung: still running after 1s of wall time (-run-timeout); its stack:", "robust_test.go", "replay: go run ./cmd/simrun -scenario test/spin -seed 2", "(1 hung, 0 crashed their process)"}},
		{"test/exit", []string{"FAIL test/exit seed 2: crashed: the process ended: exit status 3", "replay: go run ./cmd/simrun -scenario test/exit -seed 2", "(0 hung, 1 crashed their process)"}},
		{"test/overflow", []string{"FAIL test/overflow seed 2: crashed: the process ended: exit status 2; it said:", "stack overflow", "(0 hung, 1 crashed their process)"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, "-scenario", tt.scenario, "-seeds", "3", "-jobs", "1", "-run-timeout", "1s")
			if code != 1 {
				t.Errorf("exit status %d, want 1; stderr %s", code, stderr)
			}
			for _, want := range append(tt.want, "3 runs (shard 0/1)", "2 passed, 1 failed") {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}

// TestAHungRunInProcess: without worker processes a hung run is still
// reported with its stack, and the sweep goes on (the goroutine is
// abandoned).
func TestAHungRunInProcess(t *testing.T) {
	defer close(release)
	code, stdout, _ := runCLI(t, nil, "-scenario", "test/block", "-seeds", "3", "-jobs", "1", "-run-timeout", "500ms", "-isolate=false")
	for _, want := range []string{"FAIL test/block seed 2: hung: still running after 500ms", "abandoned in this process", "robust_test.go", "3 runs", "2 passed, 1 failed (1 hung"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

// TestInterruptPrintsWhatDidNotRun runs simrun as a process of its own and
// interrupts it: it stops, prints the summary of what finished and which
// runs did not happen, and exits 130.
func TestInterruptPrintsWhatDidNotRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send")
	}
	args, _ := json.Marshal([]string{"-scenario", "test/sleepy", "-seeds", "40", "-jobs", "2"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainEnv+"="+string(args))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go bufio.NewReader(stderr).WriteTo(&bytes.Buffer{})
	time.Sleep(1500 * time.Millisecond) // a few runs finish, most do not
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v; want status 130\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{"runs (shard 0/1)", "interrupted: ", "never started: test/sleepy seeds "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// mainEnv makes the test binary run simrun's command line (TestMain).
const mainEnv = "SIMLAB_SIMRUN_TEST_MAIN"
