// Package simrun is simlab's command line as a library: it lists the
// registered scenarios, replays one seed, sweeps thousands of seeds across
// cores, shards a sweep across machines and checks that runs are
// deterministic. cmd/simrun is a main over it that links every simlab
// catalogue; an outside module's runner is the same few lines over its own
// catalogue (and simlab's, if it likes), with every flag and exit status:
//
//	package main
//
//	import (
//		"github.com/simlab-go/simlab/simrun"
//		_ "example.com/mysystem/mycat" // registers mysystem/... scenarios
//	)
//
//	func main() { simrun.Program{Name: "mysim", Command: "go run ./cmd/mysim"}.Main() }
//
// The command line:
//
//	simrun -list
//	simrun -scenario register/swarm -seed 42 [-v]
//	simrun -scenario 'register/*' -seeds 1000 [-jobs 8] [-json]
//	simrun -scenario 'register/*' -seeds 1-500 -shard 2/4
//	simrun -scenario 'register/*' -seeds 200 -check-determinism
//	simrun -scenario kv/partitions -seed 6 -viz /tmp/viz
//	simrun -input 'books/*.txt' [-p out=DIR]
//
// Every failure is printed with the command that replays it. Exit status: 0
// when every run passed, 1 when a failure (or an undecided check) was found,
// 2 for bad usage.
package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
)

// Program is one runner: simrun itself, or an outside module's. The zero
// value is simrun.
type Program struct {
	// Name is what the runner calls itself in usage and errors; "simrun"
	// when empty.
	Name string
	// Command is how a user runs it, the start of every replay command it
	// prints: "go run ./cmd/simrun" when empty.
	Command string
}

func (p Program) name() string {
	if p.Name == "" {
		return "simrun"
	}
	return p.Name
}

// Main runs the program over os.Args and exits with its status.
func (p Program) Main() {
	os.Exit(p.Run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// Main runs simrun over os.Args and exits with its status.
func Main() { Program{}.Main() }

// Run runs the program over args (without the program name), writing to
// stdout and stderr and reading the environment through getenv (the
// sharding variables), and returns the exit status: 0 when every run
// passed, 1 when one failed or was undecided, 2 for bad usage.
func (p Program) Run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(p, args, stdout, stderr, getenv)
}

// config is a parsed command line.
type config struct {
	prog        Program
	list        bool
	patterns    string
	seed        uint64
	seedSet     bool
	seeds       seedRange
	seedsSet    bool
	jobs        int
	shard       shard
	json        bool
	verbose     bool
	determinism bool
	progress    bool
	opts        scenarios.Options
	selected    []scenarios.Scenario
}

// usageError is bad input: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// params collects repeated -p key=value flags.
type params map[string]string

func (p params) String() string {
	var parts []string
	for k, v := range p {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (p params) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want -p name=value, got %q", s)
	}
	p[k] = v
	return nil
}

func parse(p Program, args []string, stderr io.Writer, getenv func(string) string) (*config, error) {
	c := &config{prog: p}
	c.opts.Command = p.Command
	fs := flag.NewFlagSet(p.name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s -list | -scenario PATTERN (-seed N | -seeds N | -seeds A-B) [flags]\n\n", p.name())
		fs.PrintDefaults()
	}
	var seedStr, seedsStr, shardStr, input string
	ps := params{}
	fs.BoolVar(&c.list, "list", false, "list the scenarios and exit")
	fs.StringVar(&c.patterns, "scenario", "", "scenario name or comma-separated glob patterns, e.g. 'register/*'")
	fs.StringVar(&seedStr, "seed", "", "replay this one seed")
	fs.StringVar(&seedsStr, "seeds", "", "sweep seeds: N means 1-N; A-B is inclusive")
	fs.IntVar(&c.jobs, "jobs", runtime.NumCPU(), "runs in parallel in a sweep (each run is single-threaded)")
	fs.StringVar(&shardStr, "shard", "", "run only shard i of n of the sweep (i/n, 0-based); default from TEST_SHARD_INDEX and TEST_TOTAL_SHARDS")
	fs.BoolVar(&c.json, "json", false, "print one JSON line per failure and a summary line")
	fs.BoolVar(&c.verbose, "v", false, "print the trace of the run (one seed only)")
	fs.BoolVar(&c.determinism, "check-determinism", false, "run every seed twice and report the first event where the runs differ")
	fs.BoolVar(&c.opts.Strict, "strict", false, "round-trip every message through encoding/gob")
	fs.StringVar(&c.opts.Faults, "faults", "", "replace the scenario's fault schedule, e.g. '1s crash s1; 2s restart s1', or 'none'")
	fs.Var(ps, "p", "set a scenario parameter, name=value (repeatable)")
	fs.StringVar(&c.opts.VizDir, "viz", "", "write porcupine's visualization of every history checked for linearizability into this directory")
	fs.DurationVar(&c.opts.CheckTimeout, "check-timeout", 0, "time limit of one linearizability search; a search that runs out is an unknown result (default 10s)")
	fs.StringVar(&input, "input", "", "run a job on your own text files, one map task each: a glob such as 'books/*.txt' (sets -p input=GLOB; -scenario defaults to mapreduce/wordcount, -seed to 1)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q: every input is a flag (simrun -h lists them)", fs.Arg(0))
	}
	if input != "" {
		ps["input"] = input
		if c.patterns == "" {
			c.patterns = "mapreduce/wordcount"
		}
		if seedStr == "" && seedsStr == "" {
			seedStr = "1"
		}
	}
	if len(ps) > 0 {
		c.opts.Params = ps
	}
	if c.list {
		return c, nil
	}
	if c.patterns == "" {
		return nil, usagef("no scenario given: pass -scenario NAME or a pattern such as 'register/*' (simrun -list shows them)")
	}
	sel, err := scenarios.Match(c.patterns)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	c.selected = sel
	switch {
	case seedStr != "" && seedsStr != "":
		return nil, usagef("give -seed N to replay one seed or -seeds to sweep, not both")
	case seedStr != "":
		if c.seed, err = parseSeed(seedStr); err != nil {
			return nil, usagef("-seed %q: %v", seedStr, err)
		}
		c.seedSet = true
	case seedsStr != "":
		if c.seeds, err = parseSeeds(seedsStr); err != nil {
			return nil, usagef("-seeds %q: %v", seedsStr, err)
		}
		c.seedsSet = true
	default:
		return nil, usagef("no seed given: pass -seed N to replay one run or -seeds N (or A-B) to sweep")
	}
	if c.opts.CheckTimeout < 0 {
		return nil, usagef("-check-timeout %v: want a positive duration such as 30s", c.opts.CheckTimeout)
	}
	if c.jobs < 1 {
		return nil, usagef("-jobs %d: want at least 1", c.jobs)
	}
	if c.shard, err = parseShard(shardStr, getenv); err != nil {
		return nil, err
	}
	if c.verbose && (c.seedsSet || len(c.selected) > 1) {
		return nil, usagef("-v prints one run's trace: use it with -seed N and one scenario")
	}
	if c.opts.Faults != "" {
		if _, err := scenarios.ParseSchedule(c.opts.Faults); err != nil {
			return nil, usagef("-faults: %v", err)
		}
	}
	for _, s := range c.selected {
		if input != "" && !takesInput(s) {
			return nil, usagef("-input: scenario %s takes no input files; use -scenario mapreduce/wordcount or another scenario whose -list entry shows -p input=", s.Name)
		}
		if err := scenarios.CheckOptions(s, c.opts); err != nil {
			return nil, usageError{err.Error()}
		}
	}
	return c, nil
}

// takesInput reports whether s declares the parameter -input sets.
func takesInput(s scenarios.Scenario) bool {
	for _, p := range s.Params {
		if p.Name == "input" {
			return true
		}
	}
	return false
}

func run(p Program, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c, err := parse(p, args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.name(), err)
		return 2
	}
	if c.list {
		list(stdout)
		return 0
	}
	c.progress = isTerminal(stderr)
	if c.seedSet && len(c.selected) == 1 && !c.determinism && !c.json {
		return replay(c, stdout, stderr)
	}
	return sweep(c, stdout, stderr)
}

func list(w io.Writer) {
	for _, s := range scenarios.All() {
		fmt.Fprintf(w, "%-28s %s\n", s.Name, s.Summary)
		for _, p := range s.Params {
			fmt.Fprintf(w, "%-28s   -p %s=%s  %s\n", "", p.Name, p.Default, p.Doc)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
