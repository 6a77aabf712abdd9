package simrun

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/simrun/internal/isolate"
)

type tally struct {
	Runs    int `json:"runs"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Unknown int `json:"unknown"`
	Hung    int `json:"hung"`
	Crashed int `json:"crashed"`
	// Digest folds every finished run's scenario, seed and fingerprint, in
	// any order: two sweeps (or the merged shards of one) with the same
	// digest ran the same runs, whatever -jobs, GOMAXPROCS or machine.
	Digest uint64 `json:"digest,string"`
}

// runDigest is one run's share of a tally's digest.
func runDigest(r result) uint64 {
	return node.Mix(node.HashString(r.Scenario), r.Seed, r.Fingerprint)
}

func (t *tally) add(r result) {
	t.Runs++
	if r.Lost == "" {
		t.Digest += runDigest(r)
	}
	switch {
	case r.Lost == "hung":
		t.Failed++
		t.Hung++
	case r.Lost == "crashed":
		t.Failed++
		t.Crashed++
	case r.failed():
		t.Failed++
	case len(r.Unknown) > 0:
		t.Unknown++
	default:
		t.Passed++
	}
}

// sweepState is what the dispatchers share: the runs still to hand out
// and those in flight, which is what an interrupted sweep did not run.
type sweepState struct {
	mu       sync.Mutex
	jobs     *jobs
	inflight map[job]bool
	stopped  bool
}

func (s *sweepState) take() (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return job{}, false
	}
	j, ok := s.jobs.next()
	if ok {
		s.inflight[j] = true
	}
	return j, ok
}

func (s *sweepState) finish(j job) {
	s.mu.Lock()
	delete(s.inflight, j)
	s.mu.Unlock()
}

func (s *sweepState) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

// sweep runs every job of the shard on c.jobs dispatchers and reports
// results as they come. SIGINT (or SIGTERM, which batch systems send) stops
// it: what finished is summarized, what did not run is listed, and the exit
// status is 128 + the signal's number (130 for SIGINT).
func sweep(c *config, stdout, stderr io.Writer) int {
	state := &sweepState{jobs: newJobs(c.selected, c.seeds, c.shard), inflight: map[job]bool{}}
	total := state.jobs.total()
	start := time.Now()
	results := make(chan result)
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, isolate.StopSignals...)
	defer signal.Stop(interrupt)
	status := 130
	pool := newPool(c, workerSetup{Options: c.opts, Determinism: c.determinism, HTMLDir: c.htmlDir, Guest: c.guest})
	var wg sync.WaitGroup
	for i := 0; i < c.jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool.Dispatch(state.take, func(r result) { results <- r })
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var sum tally
	per := map[string]*tally{}
	var cover *coverTally
	if c.opts.Coverage {
		cover = newCoverTally()
	}
	var usage string
	interrupted := false
	lastProgress := time.Time{}
	f := newFormat(stdout, c.json)
	p := &printer{c: c, format: f, progress: stderr}
	for results != nil {
		select {
		case r, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			state.finish(r.job())
			if r.Usage != "" {
				if usage == "" {
					usage = r.Usage
					state.stop()
				}
				continue
			}
			sum.add(r)
			if per[r.Scenario] == nil {
				per[r.Scenario] = &tally{}
			}
			per[r.Scenario].add(r)
			if cover != nil {
				cover.addRun(r.Coverage)
			}
			p.report(r)
			if c.progress && time.Since(lastProgress) > 200*time.Millisecond {
				lastProgress = time.Now()
				p.showProgress(sum, total, time.Since(start))
			}
		case sig := <-interrupt:
			if interrupted {
				continue
			}
			interrupted = true
			status = isolate.ExitStatus(sig)
			// Workers ignore SIGINT: stop the ones running now, whose
			// runs are then not run.
			state.stop()
			pool.Interrupt()
		}
	}
	p.clearProgress()
	if usage != "" {
		fmt.Fprintf(stderr, "%s: %s\n", c.prog.name(), usage)
		return 2
	}
	note := ""
	if interrupted {
		note = notRun(c, state)
	}
	summarize(c, f, sum, per, time.Since(start), note, cover)
	if interrupted {
		return status
	}
	if sum.Failed > 0 || sum.Unknown > 0 {
		return 1
	}
	return 0
}

// notRun lists what an interrupted sweep did not run: the runs in flight,
// and everything after the dispatch position.
func notRun(c *config, state *sweepState) string {
	state.mu.Lock()
	defer state.mu.Unlock()
	var parts []string
	var inflight []string
	for _, j := range sortedJobs(state.inflight) {
		inflight = append(inflight, fmt.Sprintf("%s seed %d", j.scenario, j.seed))
	}
	if len(inflight) > 0 {
		parts = append(parts, "cut short: "+strings.Join(inflight, ", "))
	}
	it := state.jobs
	if !it.done {
		var rest []string
		rest = append(rest, fmt.Sprintf("%s seeds %d-%d", it.sel[it.si].Name, it.seed, it.seeds.last))
		for _, s := range it.sel[it.si+1:] {
			rest = append(rest, fmt.Sprintf("%s seeds %d-%d", s.Name, it.seeds.first, it.seeds.last))
		}
		if len(rest) > 6 {
			rest = append(rest[:5], fmt.Sprintf("and %d more scenarios over the same seeds", len(rest)-5))
		}
		what := "never started: "
		if c.shard.total > 1 {
			what = fmt.Sprintf("never started (this shard's part, every %d-th run): ", c.shard.total)
		}
		parts = append(parts, what+strings.Join(rest, ", "))
	}
	if len(parts) == 0 {
		return "every run had finished"
	}
	return strings.Join(parts, "; ")
}

func sortedJobs(m map[job]bool) []job {
	var out []job
	for j := range m {
		out = append(out, j)
	}
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && (out[k].scenario < out[k-1].scenario || out[k].scenario == out[k-1].scenario && out[k].seed < out[k-1].seed); k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

// printer writes results, keeping the progress line on stderr out of the
// way of the lines on stdout when both are the terminal.
type printer struct {
	c        *config
	format   format
	progress io.Writer
	showing  bool
}

func (p *printer) clearProgress() {
	if p.showing {
		fmt.Fprint(p.progress, "\r\033[K")
		p.showing = false
	}
}

func (p *printer) showProgress(sum tally, total uint64, elapsed time.Duration) {
	of := fmt.Sprint(total)
	if total == math.MaxUint64 {
		of = "?"
	}
	fmt.Fprintf(p.progress, "\r\033[K[%d/%s] %d failed, %d unknown, %s runs/s", sum.Runs, of, sum.Failed, sum.Unknown, rateText(float64(sum.Runs)/elapsed.Seconds()))
	p.showing = true
}

// report prints r's findings, if it has any.
func (p *printer) report(r result) {
	fs := r.findings(scenarios.ReplayCommand(r.Scenario, r.Seed, p.c.opts))
	if len(fs) == 0 {
		return
	}
	p.clearProgress()
	for _, f := range fs {
		p.format.finding(f)
	}
}

// summarize prints the sweep's summary.
func summarize(c *config, f format, total tally, per map[string]*tally, wall time.Duration, interrupted string, cover *coverTally) {
	pattern, binary := c.patterns, ""
	if pattern == "" {
		pattern = "*"
	}
	if c.guest != nil {
		binary = c.guest.Hash
	}
	s := summary{Type: "summary", Scenarios: per, Shard: fmt.Sprintf("%d/%d", c.shard.index, c.shard.total),
		Pattern: pattern, Seeds: fmt.Sprintf("%d-%d", c.seeds.first, c.seeds.last), Options: strings.Join(append(c.opts.Flags(), c.extraFlags...), " "), Binary: binary,
		Determinism: c.determinism, WallSeconds: wall.Seconds(), RunsPerSec: float64(total.Runs) / wall.Seconds(), Interrupted: interrupted, LeftOut: c.leftOut, tally: total}
	if cover != nil {
		s.Coverage = cover.report()
	}
	for _, sc := range c.selected {
		s.order = append(s.order, sc.Name)
	}
	f.summary(s)
}

func touch(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// sweepDetailLines bounds a failure's detail in a sweep's listing; the
// replay prints all of it.
const sweepDetailLines = 12

func shortDetail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > sweepDetailLines {
		lines = append(lines[:sweepDetailLines:sweepDetailLines], fmt.Sprintf("[… %d more lines: the replay prints them]", len(lines)-sweepDetailLines))
	}
	return strings.Join(lines, "\n")
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// rateText is a rate of runs for people: whole above ten, with a decimal or
// two below, so a sweep of slow runs does not read 0 runs/s.
func rateText(r float64) string {
	switch {
	case r >= 10:
		return fmt.Sprintf("%.0f", r)
	case r >= 1:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}
