package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// config is a parsed and validated command line.
type config struct {
	prog        Program
	list        bool
	faultsHelp  bool // -faults help: list the fault operations
	patterns    string
	seed        uint64
	seedSet     bool
	seeds       seedRange
	jobs        int
	shard       shard
	json        bool
	verbose     bool
	filter      traceFilter
	determinism bool
	progress    bool
	isolate     bool
	runTimeout  time.Duration
	minimize    bool
	minimizeOut string
	search      int      // -search: a budget of runs for a coverage-guided search
	htmlDir     string   // -html: write a report of the run, or of each failure of a sweep
	merge       []string // -merge: the shard outputs to combine
	opts        scenarios.Options
	selected    []scenarios.Scenario
	// guest, with -pkg, is the package whose tests are the scenarios.
	guest *guestSetup
	// extraFlags are the flags that chose the sweep besides -scenario,
	// -seeds and the run's options (-pkg, -run), for its summary.
	extraFlags []string
	// leftOut names the scenarios a pattern selected that take no strategy
	// but the default, left out of a sweep under another (FixedStrategy).
	leftOut []string
}

// usageError is bad input: exit status 2, nothing run.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// params collects -p name=value flags; a name given twice is an error.
type params map[string]string

func (p params) String() string {
	var parts []string
	for _, k := range node.SortedKeys(p) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, ",")
}

func (p params) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want -p name=value, got %q", s)
	}
	if old, dup := p[k]; dup {
		return fmt.Errorf("parameter %s is given twice (%s=%s, then %s=%s): give it once", k, k, old, k, v)
	}
	p[k] = v
	return nil
}

// maxJobs bounds -jobs.
const maxJobs = 1024

// defaultRunTimeout is the wall-clock limit of one run of a sweep: far
// above the slowest scenario of the catalogue (a few seconds), short enough
// that a hung run is reported while the sweep is still worth watching.
const defaultRunTimeout = 2 * time.Minute

func (p Program) flagSet(c *config, stderr io.Writer) (*flag.FlagSet, *flagValues) {
	fs := flag.NewFlagSet(p.name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are ours to word; -h prints below
	v := &flagValues{ps: params{}}
	fs.BoolVar(&c.list, "list", false, "list the scenarios with their summaries and parameters, and exit")
	fs.StringVar(&c.patterns, "scenario", "", "scenario name or comma-separated glob patterns, e.g. 'register/*'")
	fs.StringVar(&v.run, "run", "", "select the scenarios (or, with -pkg, the tests) whose names match this regular expression, as go test -run does")
	fs.StringVar(&v.pkg, "pkg", "", "run a Go package's tests instead of simlab's scenarios: the directory of a package with its own go.mod; its test binary is built for wasip1 and each Test function runs as a scenario under the virtual clock, deterministic by seed")
	fs.DurationVar(&v.testTimeout, "test-timeout", gotest.DefaultTimeout, "with -pkg: each test's limit of virtual time (go test's -timeout); past it the test panics with every goroutine's stack")
	fs.StringVar(&v.sched, "sched", "fifo", "with -pkg: the order in which a test's runnable goroutines run: fifo (Go's own on wasm) or shuffle (a place drawn from the seed for each goroutine made runnable; the runtime patched at build time)")
	fs.DurationVar(&v.workCost, "work-cost", guest.DefaultWorkCost, "with -pkg: the virtual time 1,000 units of a test's work take (a unit is a function entry or a loop iteration); the default matches one core of a native run")
	fs.StringVar(&v.seed, "seed", "", "replay this one seed (seeds start at 1)")
	fs.StringVar(&v.seeds, "seeds", "", "sweep seeds: N means 1-N; A-B is inclusive")
	fs.IntVar(&c.jobs, "jobs", runtime.NumCPU(), "runs in parallel in a sweep (each run is single-threaded)")
	fs.StringVar(&v.shard, "shard", "", "run only shard i of n of the sweep (i/n, 0-based); default from TEST_SHARD_INDEX and TEST_TOTAL_SHARDS")
	fs.BoolVar(&c.json, "json", false, "print one JSON line per failure and a summary line")
	fs.BoolVar(&c.verbose, "v", false, "print the trace of the run, then every node's statistics (one seed, one scenario)")
	fs.StringVar(&v.traceNode, "trace-node", "", "with -v: only trace records about these nodes, e.g. s1,s3")
	fs.StringVar(&v.traceKind, "trace-kind", "", "with -v: only records of these kinds, e.g. recv,send,crash")
	fs.StringVar(&v.traceMatch, "trace-match", "", "with -v: only records whose detail contains this text, e.g. AppendEntries")
	fs.DurationVar(&v.traceFrom, "trace-from", 0, "with -v: only records from this virtual time on, e.g. 2s")
	fs.DurationVar(&v.traceTo, "trace-to", 0, "with -v: only records up to this virtual time")
	fs.BoolVar(&c.determinism, "check-determinism", false, "run every seed twice and report the first event where the runs differ")
	fs.BoolVar(&c.opts.Strict, "strict", false, "round-trip every message through encoding/gob")
	fs.StringVar(&c.opts.Faults, "faults", "", "replace the scenario's fault schedule, e.g. '1s crash s1; 2s restart s1', or 'none'; 'help' lists the operations")
	fs.BoolVar(&c.opts.Coverage, "coverage", false, "count the marks (node.Mark) the runs reach, crossed with the faults active at each, and print the table, listing the marks never reached")
	fs.StringVar(&c.opts.Strategy, "strategy", "", "order what the network and timers leave open: random (the default), or pct, PCT's node priorities with d-1 change points (pct:d=5,h=20s,step=1ms; defaults d=3, h=10s, step=5ms)")
	fs.Var(v.ps, "p", "set a scenario parameter, name=value (repeatable, once per name)")
	fs.StringVar(&c.opts.VizDir, "viz", "", "write porcupine's visualization of every history checked for linearizability into this directory")
	fs.StringVar(&c.htmlDir, "html", "", "write a self-contained HTML report (verdict, space-time diagram, linearizability view) into this directory: of the run of -seed, or of each failing run of a sweep")
	fs.DurationVar(&c.opts.CheckTimeout, "check-timeout", 0, "time limit of one linearizability search; a search that runs out is an unknown result (default 10s)")
	fs.DurationVar(&c.runTimeout, "run-timeout", defaultRunTimeout, "wall-clock limit of one run of a sweep; a run past it is reported as hung, with its stack")
	fs.BoolVar(&c.isolate, "isolate", runtime.GOOS != "windows", "run a sweep's runs in worker processes, so a run that hangs or kills its process is recorded and the sweep goes on")
	fs.IntVar(&c.search, "search", 0, "search one scenario for a failing run in at most this many runs: the plain seeds of -seeds first, then mutations of the fault schedules of the runs that reached coverage no run before had; print the first failure and its replay command")
	fs.BoolVar(&c.minimize, "minimize", false, "shrink the failing run of -seed while it fails the same way: its schedule's actions, their extent, then its workload; print each step and the smallest case")
	fs.StringVar(&c.minimizeOut, "minimize-out", "", "with -minimize: write the smallest case as a Go regression test to this file (it fails until the bug is fixed)")
	fs.BoolVar(&v.merge, "merge", false, "combine the -json outputs of a sharded sweep, given as arguments (simrun -merge shard-*.jsonl), into one summary and failure list; add -json for JSON")
	fs.StringVar(&v.input, "input", "", "run a job on your own text files, one map task each: a glob such as 'books/*.txt' (sets -p input=GLOB; -scenario defaults to mapreduce/wordcount, -seed to 1)")
	fs.Usage = func() {} // the flag package calls it on every error; help is printed by printHelp
	return fs, v
}

type flagValues struct {
	seed, seeds, shard, input        string
	run, pkg, sched                  string
	testTimeout, workCost            time.Duration
	merge                            bool
	traceNode, traceKind, traceMatch string
	traceFrom, traceTo               time.Duration
	ps                               params
}

// parseError turns the flag package's complaint into one that names the
// fix: the closest flag for a misspelled one, the missing unit of a
// duration.
func parseError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if close := closestWord(name, names); close != "" {
			return usagef("unknown flag -%s; did you mean -%s? (-h lists every flag)", name, close)
		}
		return usagef("unknown flag -%s (-h lists every flag)", name)
	}
	if strings.Contains(msg, "missing unit in duration") || strings.HasPrefix(msg, "invalid value") && strings.Contains(msg, "parse error") && isDurationFlag(fs, msg) {
		return usagef("%s: a duration needs a unit, e.g. 10s or 500ms", msg)
	}
	if strings.Contains(msg, "flag needs an argument") {
		return usagef("%s (-h shows what each flag takes)", msg)
	}
	return usageError{msg}
}

// isDurationFlag reports whether the flag a parse error names takes a
// duration.
func isDurationFlag(fs *flag.FlagSet, msg string) bool {
	_, rest, ok := strings.Cut(msg, "for flag -")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, ":")
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	_, isDur := g.Get().(time.Duration)
	return isDur
}

// closestWord is the word of words within two edits of w, if one is.
func closestWord(w string, words []string) string {
	best, bestD := "", 3
	for _, c := range words {
		if d := scenarios.EditDistance(w, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func parse(p Program, args []string, stderr io.Writer, getenv func(string) string) (*config, error) {
	c := &config{prog: p}
	fs, v := p.flagSet(c, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: %s -list | -scenario PATTERN (-seed N | -seeds N | -seeds A-B) [flags]\n\n", p.name())
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, parseError(fs, err)
	}
	c.opts.Command = p.command()
	var err error
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if v.merge {
		var others []string
		for _, name := range node.SortedKeys(set) {
			if name != "merge" && name != "json" {
				others = append(others, "-"+name)
			}
		}
		switch {
		case len(others) > 0:
			return nil, usagef("-merge combines finished shards and runs nothing, yet %s was given: give -merge, optionally -json, and the files", strings.Join(others, ", "))
		case fs.NArg() == 0:
			return nil, usagef("-merge needs the shards' -json outputs as arguments, e.g. simrun -merge shard-*.jsonl")
		}
		c.merge = fs.Args()
		return c, nil
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q: every input is a flag (-h lists them)", fs.Arg(0))
	}
	if c.opts.Faults == "help" {
		if len(set) > 1 {
			return nil, usagef("-faults help lists the fault operations and runs nothing: give it alone")
		}
		c.faultsHelp = true
		return c, nil
	}
	if c.list {
		var others []string
		for _, name := range node.SortedKeys(set) {
			if name != "list" && name != "pkg" {
				others = append(others, "-"+name)
			}
		}
		if len(others) > 0 {
			return nil, usagef("-list takes no other flag but -pkg, yet %s was given: run -list alone", strings.Join(others, ", "))
		}
		if v.pkg != "" {
			if c.guest, err = buildPackage(c, v, stderr); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	if v.input != "" {
		if fi, err := os.Stat(v.input); err == nil && fi.IsDir() {
			return nil, usagef("-input %q is a directory: give a glob of the text files in it, such as '%s'", v.input, filepath.Join(v.input, "*.txt"))
		}
		if m, err := filepath.Glob(v.input); err != nil || len(m) == 0 {
			return nil, usagef("-input %q matches no file: give a glob of text files, such as 'books/*.txt'", v.input)
		}
		if _, dup := v.ps["input"]; dup {
			return nil, usagef("-input and -p input= both given: give one")
		}
		v.ps["input"] = v.input
		if c.patterns == "" {
			c.patterns = "mapreduce/wordcount"
		}
		if v.seed == "" && v.seeds == "" {
			v.seed = "1"
		}
	}
	if len(v.ps) > 0 {
		c.opts.Params = v.ps
	}
	if v.pkg != "" {
		if err := checkGuestFlags(set); err != nil {
			return nil, err
		}
		if c.guest, err = buildPackage(c, v, stderr); err != nil {
			return nil, err
		}
		c.opts.TraceTail = -1 // a test's failure carries its output instead
	} else {
		for _, name := range []string{"test-timeout", "work-cost", "sched"} {
			if set[name] {
				return nil, usagef("-%s applies to the tests of -pkg: add -pkg DIR, or drop it", name)
			}
		}
	}
	if c.selected, err = selectScenarios(c, v.run); err != nil {
		return nil, err
	}
	c.selected, c.leftOut = leaveOutFixedStrategy(c.selected, c.opts.Strategy)
	if v.pkg != "" {
		c.extraFlags = append(append(c.extraFlags, "-pkg", scenarios.ShellQuote(v.pkg)), guestRunFlags(v)...)
	}
	if v.run != "" {
		c.extraFlags = append(c.extraFlags, "-run", scenarios.ShellQuote(v.run))
	}
	switch {
	case v.seed != "" && v.seeds != "":
		return nil, usagef("give -seed N to replay one seed or -seeds to sweep, not both")
	case v.seed != "":
		if c.seed, err = parseSeed(v.seed); err != nil {
			return nil, usagef("-seed %q: %v", v.seed, err)
		}
		c.seedSet = true
		c.seeds = seedRange{c.seed, c.seed}
	case v.seeds != "":
		if c.seeds, err = parseSeeds(v.seeds); err != nil {
			return nil, usagef("-seeds %q: %v", v.seeds, err)
		}
	default:
		return nil, usagef("no seed given: pass -seed N to replay one run or -seeds N (or A-B) to sweep")
	}
	if set["check-timeout"] && c.opts.CheckTimeout <= 0 {
		return nil, usagef("-check-timeout %v: want a positive duration such as 30s", c.opts.CheckTimeout)
	}
	if c.runTimeout <= 0 {
		return nil, usagef("-run-timeout %v: want a positive duration such as 5m", c.runTimeout)
	}
	if c.jobs < 1 || c.jobs > maxJobs {
		return nil, usagef("-jobs %d: want 1 to %d", c.jobs, maxJobs)
	}
	if c.seedSet && set["shard"] {
		return nil, usagef("-shard splits a sweep over machines; a single -seed cannot be split: use -seeds")
	}
	if c.shard, err = parseShard(v.shard, getenv); err != nil {
		return nil, err
	}
	if c.verbose {
		switch {
		case !c.seedSet || len(c.selected) > 1:
			return nil, usagef("-v prints one run's trace: use it with -seed N and one scenario")
		case c.json:
			return nil, usagef("-v prints a trace for people, -json lines for programs: give one of them")
		case c.determinism:
			return nil, usagef("-v prints one run's trace; -check-determinism runs each seed twice and names where they differ itself: give one of them")
		}
	}
	if c.minimize {
		switch {
		case !c.seedSet || len(c.selected) != 1:
			return nil, usagef("-minimize shrinks one failing run: give -scenario NAME and -seed N")
		case c.json || c.determinism || c.verbose:
			return nil, usagef("-minimize prints its own steps: drop -json, -check-determinism and -v (replay the smallest case with -v afterwards)")
		}
	}
	if c.search != 0 {
		switch {
		case c.search < 0:
			return nil, usagef("-search %d: give a budget of at least one run", c.search)
		case c.seedSet || len(c.selected) != 1:
			return nil, usagef("-search explores one scenario from plain seeds: give -scenario NAME and -seeds N (or A-B), not -seed")
		case c.opts.Faults != "":
			return nil, usagef("-search draws its own fault schedules: drop -faults (replay what it finds with -faults afterwards)")
		case c.selected[0].FixedFaults != "":
			return nil, usagef("-search mutates fault schedules, and %s takes none but its own (%s): sweep its seeds instead", c.selected[0].Name, c.selected[0].FixedFaults)
		case c.json || c.determinism || c.verbose || c.minimize || c.htmlDir != "" || c.shard.total > 1:
			return nil, usagef("-search prints its own steps: drop -json, -check-determinism, -v, -minimize, -html and -shard (replay what it finds with them afterwards)")
		}
		if n := c.seeds.last - c.seeds.first + 1; n > uint64(c.search) {
			return nil, usagef("-search %d starts from %d plain seeds (-seeds), more than its budget: give fewer seeds or a larger budget", c.search, n)
		}
	}
	if c.minimizeOut != "" {
		if !c.minimize {
			return nil, usagef("-minimize-out writes what -minimize finds: add -minimize")
		}
		if !strings.HasSuffix(c.minimizeOut, "_test.go") {
			return nil, usagef("-minimize-out %s: a Go test file's name ends in _test.go", c.minimizeOut)
		}
		if err := checkWritable(filepath.Dir(c.minimizeOut)); err != nil {
			return nil, usagef("-minimize-out %s: %v; give a file in a directory you can write to", c.minimizeOut, err)
		}
		if _, err := os.Stat(c.minimizeOut); err == nil {
			return nil, usagef("-minimize-out %s exists: give a new file, nothing is overwritten", c.minimizeOut)
		}
	}
	if c.htmlDir != "" {
		if c.minimize {
			return nil, usagef("-html draws one run, and -minimize runs many: minimize first, then replay the smallest case with -html")
		}
		if err := checkWritable(c.htmlDir); err != nil {
			return nil, usagef("-html %s: %v; give a directory you can write to", c.htmlDir, err)
		}
	}
	if c.filter, err = newTraceFilter(v); err != nil {
		return nil, err
	}
	if c.filter.on() && !c.verbose {
		return nil, usagef("-trace-node, -trace-kind, -trace-match, -trace-from and -trace-to filter the trace of -v: add -v")
	}
	if c.opts.Faults != "" {
		scheds, err := scenarios.ParseSchedules(c.opts.Faults)
		if err != nil {
			return nil, usagef("-faults: %v", err)
		}
		// From here on the schedule is its one-line text form: what the
		// header and the replay command print, whatever line breaks and
		// comments it was given with.
		c.opts.Faults = faults.Join(scheds)
	}
	if c.opts.VizDir != "" {
		if err := checkWritable(c.opts.VizDir); err != nil {
			return nil, usagef("-viz %s: %v; give a directory you can write to", c.opts.VizDir, err)
		}
		if !slices.ContainsFunc(c.selected, func(s scenarios.Scenario) bool { return s.Histories }) {
			return nil, usagef("-viz draws histories checked for linearizability, and %s checks none: use it with scenarios such as kv/...", describeSelection(c.selected))
		}
	}
	for _, s := range c.selected {
		if v.input != "" && !takesInput(s) {
			return nil, usagef("-input: scenario %s takes no input files; use -scenario mapreduce/wordcount or another scenario whose -list entry shows -p input=", s.Name)
		}
		if err := scenarios.CheckOptions(s, c.opts); err != nil {
			return nil, usageError{err.Error()}
		}
		if c.opts.Faults != "" && s.FixedFaults != "" && (!c.seedSet || c.determinism) {
			return nil, usagef("scenario %s takes no schedule of yours (%s); -faults is accepted only as its own schedule for one seed: use -seed", s.Name, s.FixedFaults)
		}
	}
	return c, nil
}

// probe checks what only running can tell, before the first run: that
// every selected scenario can take the -faults schedule (its node names and
// roles, the number of worlds), by binding it without running through
// (scenarios.Probe). Whether a scenario with fixed faults is given its own
// schedule is checked by the run itself (scenarios.RunScenario), once.
func probe(c *config) error {
	if c.opts.Faults == "" {
		return nil
	}
	for _, s := range c.selected {
		if err := scenarios.Probe(s, c.seeds.first, c.opts); err != nil {
			return usageError{err.Error()}
		}
	}
	return nil
}

// leaveOutFixedStrategy takes out of a selection of several scenarios
// those that take no strategy but the default (Scenario.FixedStrategy),
// when another is set, and says why each is out; a selection of one keeps
// it, to be refused with the reason (scenarios.CheckOptions), as is a
// selection of nothing else.
func leaveOutFixedStrategy(sel []scenarios.Scenario, strategy string) (kept []scenarios.Scenario, out []string) {
	st, err := sim.ParseStrategy(strategy)
	if err != nil || st.Kind == sim.Random || len(sel) < 2 {
		return sel, nil
	}
	for _, s := range sel {
		if s.FixedStrategy != "" {
			out = append(out, fmt.Sprintf("%s (%s)", s.Name, s.FixedStrategy))
		} else {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return sel, nil
	}
	return kept, out
}

func describeSelection(sel []scenarios.Scenario) string {
	if len(sel) == 1 {
		return "scenario " + sel[0].Name
	}
	return fmt.Sprintf("none of the %d scenarios selected", len(sel))
}

// checkWritable makes dir if needed and writes and removes a file in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".simrun-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

// takesInput reports whether s declares the parameter -input sets.
func takesInput(s scenarios.Scenario) bool {
	return slices.ContainsFunc(s.Params, func(p scenarios.Param) bool { return p.Name == "input" })
}
