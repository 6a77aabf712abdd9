package isolate

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain makes the test binary a worker when the pool starts it.
func TestMain(m *testing.M) {
	ServeIfWorker(work)
	os.Exit(m.Run())
}

// work is the job function of these tests: a job says what to do.
func work(setup string, job string) string {
	switch job {
	case "hang":
		for {
			time.Sleep(time.Hour)
		}
	case "die":
		fmt.Fprintln(os.Stderr, "last words before dying")
		os.Exit(7)
	}
	return setup + ":" + job
}

func TestPool(t *testing.T) {
	for _, isolated := range []bool{true, false} {
		t.Run(fmt.Sprintf("isolated=%v", isolated), func(t *testing.T) {
			jobs := []string{"a", "hang", "b", "die", "c"}
			if !isolated {
				jobs = []string{"a", "hang", "b"} // a dying job would kill the test itself
			}
			p := &Pool[string, string, string]{
				Setup: "s", Run: work, Isolated: isolated, Timeout: 2 * time.Second,
				LostResult: func(j string, l Lost) string { return j + " lost: " + l.How + ": " + l.Evidence },
				Stacks: func(dump string) string {
					if strings.Contains(dump, "isolate.work") {
						return "stack of work"
					}
					return "no stack of work in:\n" + dump
				},
			}
			var mu sync.Mutex
			next := 0
			take := func() (string, bool) {
				mu.Lock()
				defer mu.Unlock()
				if next == len(jobs) {
					return "", false
				}
				next++
				return jobs[next-1], true
			}
			var got []string
			p.Dispatch(take, func(r string) { got = append(got, r) })
			if len(got) != len(jobs) {
				t.Fatalf("%d results for %d jobs: %q", len(got), len(jobs), got)
			}
			for _, want := range []string{"s:a", "s:b"} {
				if !slices.Contains(got, want) {
					t.Errorf("no result %q in %q", want, got)
				}
			}
			if !strings.HasPrefix(got[1], "hang lost: hung: still running after 2s") || !strings.Contains(got[1], "stack of work") {
				t.Errorf("the hung job: %q", got[1])
			}
			if isolated {
				if !strings.HasPrefix(got[3], "die lost: crashed: the process ended: exit status 7; it said:\nlast words before dying") {
					t.Errorf("the job that killed its worker: %q", got[3])
				}
				if got[4] != "s:c" {
					t.Errorf("the job after a crash: %q", got[4])
				}
			}
		})
	}
}
