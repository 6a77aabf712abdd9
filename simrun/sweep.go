package simrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// job is one run of a sweep.
type job struct {
	scenario string
	seed     uint64
}

// result is what a worker reports for one job.
type result struct {
	job
	out     scenarios.Outcome
	diverge string // set when -check-determinism found two different runs
	err     error  // bad input: stops the sweep
}

// jobs lists this shard's runs: every scenario for every seed, dealt
// round-robin over the shards.
func (c *config) runs() []job {
	var js []job
	k := 0
	seeds := c.seeds
	if c.seedSet {
		seeds = seedRange{c.seed, c.seed}
	}
	for _, s := range c.selected {
		for seed := seeds.first; ; seed++ {
			if k%c.shard.total == c.shard.index {
				js = append(js, job{s.Name, seed})
			}
			k++
			if seed == seeds.last {
				break
			}
		}
	}
	return js
}

type tally struct {
	Runs    int `json:"runs"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Unknown int `json:"unknown"`
}

func (t *tally) add(r result) {
	t.Runs++
	switch {
	case len(r.out.Failures) > 0 || r.diverge != "":
		t.Failed++
	case len(r.out.Unknown) > 0:
		t.Unknown++
	default:
		t.Passed++
	}
}

// sweep runs every job on c.jobs workers and reports failures as they come.
func sweep(c *config, stdout, stderr io.Writer) int {
	js := c.runs()
	start := time.Now()
	work := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for i := 0; i < c.jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				results <- runJob(c, j)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, j := range js {
			work <- j
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var total tally
	per := map[string]*tally{}
	var usage error
	lastProgress := time.Time{}
	for r := range results {
		if r.err != nil {
			if usage == nil {
				usage = r.err
			}
			continue
		}
		total.add(r)
		if per[r.scenario] == nil {
			per[r.scenario] = &tally{}
		}
		per[r.scenario].add(r)
		report(c, stdout, r)
		if c.progress && time.Since(lastProgress) > 200*time.Millisecond {
			lastProgress = time.Now()
			rate := float64(total.Runs) / time.Since(start).Seconds()
			fmt.Fprintf(stderr, "\r[%d/%d] %d failed, %d unknown, %.0f runs/s ", total.Runs, len(js), total.Failed, total.Unknown, rate)
		}
	}
	if c.progress {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if usage != nil {
		fmt.Fprintf(stderr, "%s: %v\n", c.prog.name(), usage)
		return 2
	}
	wall := time.Since(start)
	summarize(c, stdout, total, per, wall)
	if total.Failed > 0 || total.Unknown > 0 {
		return 1
	}
	return 0
}

func runJob(c *config, j job) result {
	r := result{job: j}
	out, err := scenarios.Run(j.scenario, j.seed, c.opts)
	if err != nil {
		var ue *scenarios.UsageError
		if errors.As(err, &ue) {
			r.err = err
			return r
		}
	}
	r.out = out
	if c.determinism {
		again, _ := scenarios.Run(j.scenario, j.seed, c.opts)
		if again.Fingerprint != out.Fingerprint || again.Passed != out.Passed {
			r.diverge = firstDivergence(j, c.opts, out, again)
		}
	}
	return r
}

type jsonLine struct {
	Type     string  `json:"type"`
	Scenario string  `json:"scenario"`
	Seed     uint64  `json:"seed"`
	Kind     string  `json:"kind,omitempty"`
	Message  string  `json:"message"`
	Time     float64 `json:"time_seconds"`
	Node     string  `json:"node,omitempty"`
	Faults   string  `json:"faults,omitempty"`
	Replay   string  `json:"replay"`
}

func report(c *config, w io.Writer, r result) {
	replay := scenarios.ReplayCommand(r.scenario, r.seed, c.opts)
	emit := func(kind, typ, msg string, t time.Duration, nodeName string) {
		if c.json {
			line, _ := json.Marshal(jsonLine{Type: typ, Scenario: r.scenario, Seed: r.seed, Kind: kind,
				Message: msg, Time: t.Seconds(), Node: nodeName, Faults: r.out.Faults, Replay: replay})
			fmt.Fprintln(w, string(line))
			return
		}
		label := "FAIL"
		if typ == "unknown" {
			label = "UNKNOWN"
		}
		fmt.Fprintf(w, "%s %s seed %d: %s: %s\n    replay: %s\n", label, r.scenario, r.seed, kind, msg, replay)
	}
	for _, f := range r.out.Failures {
		emit(string(f.Kind), "failure", f.Msg, f.Time, f.Node)
	}
	for _, u := range r.out.Unknown {
		emit("unknown", "unknown", u, r.out.VirtualTime, "")
	}
	if r.diverge != "" {
		emit("nondeterminism", "failure", r.diverge, 0, "")
	}
}

func summarize(c *config, w io.Writer, total tally, per map[string]*tally, wall time.Duration) {
	rate := float64(total.Runs) / wall.Seconds()
	if c.json {
		line, _ := json.Marshal(struct {
			Type        string            `json:"type"`
			Scenarios   map[string]*tally `json:"scenarios"`
			Shard       string            `json:"shard"`
			Determinism bool              `json:"check_determinism"`
			WallSeconds float64           `json:"wall_seconds"`
			RunsPerSec  float64           `json:"runs_per_second"`
			tally
		}{"summary", per, fmt.Sprintf("%d/%d", c.shard.index, c.shard.total), c.determinism, wall.Seconds(), rate, total})
		fmt.Fprintln(w, string(line))
		return
	}
	var names []string
	for _, s := range c.selected {
		if t := per[s.Name]; t != nil {
			names = append(names, fmt.Sprintf("%s %d/%d", s.Name, t.Passed, t.Runs))
		}
	}
	what := "runs"
	if c.determinism {
		what = "seeds run twice"
	}
	fmt.Fprintf(w, "%d %s (shard %d/%d) in %v, %.0f runs/s: %d passed, %d failed, %d unknown\n",
		total.Runs, what, c.shard.index, c.shard.total, wall.Round(time.Millisecond), rate, total.Passed, total.Failed, total.Unknown)
	if len(names) > 1 {
		fmt.Fprintf(w, "passed per scenario: %s\n", strings.Join(names, ", "))
	}
}

func touch(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
