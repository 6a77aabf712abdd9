package scenarios

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Options are what a run takes besides its scenario and seed. Everything
// that changes the run appears in its replay command.
type Options struct {
	// Strict round-trips every message through encoding/gob.
	Strict bool
	// Faults replaces the scenario's own fault schedule: a schedule in text
	// form (see ParseSchedule), or "none". Empty keeps the scenario's.
	Faults string
	// Params sets the scenario's own parameters by name.
	Params map[string]string
	// Coverage counts the node.Marks the run's handlers reach
	// (Outcome.Coverage). It does not change the run.
	Coverage bool `json:",omitempty"`
	// Strategy is the scheduling strategy of every world of the run, as
	// sim.ParseStrategy reads it ("pct:d=5", say); empty means random.
	Strategy string `json:",omitempty"`
	// Trace, when set, receives every trace record of the run. It does not
	// change the run.
	Trace func(sim.Record) `json:"-"`
	// CheckTimeout bounds each linearizability search; 0 means 10 s. A
	// search that runs out of time is an unknown result.
	CheckTimeout time.Duration
	// VizDir, when set, receives the visualization of every history a
	// run checks for linearizability. It does not change the run.
	VizDir string
	// Histories keeps a view of every history the run checks for
	// linearizability (Outcome.Histories), for a report. It does not change
	// the run.
	Histories bool `json:"-"`
	// TraceTail is how many trace records to attach to each failure (the
	// seed is run a second time with tracing on to get them); 0 means 40,
	// negative means none.
	TraceTail int
	// Output, when set, receives what a guest program the run drives
	// writes (a Go test's output, say). It does not change the run.
	Output io.Writer `json:"-"`
	// Command is how a user runs the runner the run was started from, the
	// start of every replay command: "go run ./cmd/simrun" when empty. An
	// outside module's runner sets its own. It does not change the run.
	Command string
}

// DefaultCommand starts replay commands when Options.Command is empty.
const DefaultCommand = "go run ./cmd/simrun"

// Flags renders the options that change a run as simrun flags.
func (o Options) Flags() []string {
	var f []string
	if o.Strict {
		f = append(f, "-strict")
	}
	if o.Faults != "" {
		f = append(f, "-faults", shellQuote(o.Faults))
	}
	if st := o.strategy(); st.Kind != sim.Random {
		f = append(f, "-strategy", shellQuote(st.String()))
	}
	if o.CheckTimeout != 0 {
		f = append(f, "-check-timeout", o.CheckTimeout.String())
	}
	for _, k := range node.SortedKeys(o.Params) {
		f = append(f, "-p", shellQuote(k+"="+o.Params[k]))
	}
	return f
}

// String lists every option, for the header simrun prints before a run.
func (o Options) String() string {
	faults := o.Faults
	if faults == "" {
		faults = "(the scenario's own)"
	}
	var params []string
	for _, k := range node.SortedKeys(o.Params) {
		params = append(params, k+"="+o.Params[k])
	}
	timeout := o.CheckTimeout
	if timeout == 0 {
		timeout = defaultCheckTimeout
	}
	return fmt.Sprintf("strict=%v strategy=%v faults=%s params=[%s] check-timeout=%v", o.Strict, o.strategy(), faults, strings.Join(params, " "), timeout)
}

// strategy is the parsed Strategy; CheckOptions has refused a bad one.
func (o Options) strategy() sim.Strategy {
	st, _ := sim.ParseStrategy(o.Strategy)
	return st
}

// ShellQuote quotes s for a POSIX shell when it needs quoting, as replay
// commands print their arguments.
func ShellQuote(s string) string { return shellQuote(s) }

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ReplayCommand is the command line that replays one run.
func ReplayCommand(scenario string, seed uint64, o Options) string {
	cmd := o.Command
	if cmd == "" {
		cmd = DefaultCommand
	}
	parts := append([]string{cmd, "-scenario", shellQuote(scenario), "-seed", strconv.FormatUint(seed, 10)}, o.Flags()...)
	return strings.Join(parts, " ")
}

// Outcome is the result of one run.
type Outcome struct {
	Scenario string
	Seed     uint64
	Options  Options
	// Passed is true when the run had no failure and no unknown result.
	Passed   bool
	Failures []*sim.Failure
	// Unknown lists checks that could not decide (a checker that ran out
	// of time, say). They are not passes.
	Unknown []string
	// Faults is the fault schedule the run applied, in text form.
	Faults string
	// Notes are figures the scenario reported (Case.Reportf), such as
	// the virtual times it compared.
	Notes       []string
	Fingerprint uint64
	// Coverage is every mark the run reached, by name, with Options.Coverage.
	Coverage []sim.MarkHits `json:",omitempty"`
	Stats    sim.NodeStats
	// Nodes are the statistics of every node, in the order they were
	// added (of every world, if the scenario made several).
	Nodes       []NodeStats
	Events      int64
	VirtualTime time.Duration
	Wall        time.Duration
	Replay      string
	// Operations is the number of client operations the run's histories
	// recorded (Case.CountOperations), 0 for a scenario that checks none.
	Operations int
	// Histories are the histories the run checked for linearizability,
	// laid out for a report, with Options.Histories.
	Histories []History `json:",omitempty"`
	// Worlds is how many worlds the run made.
	Worlds int
}

// History is one history a run checked, with what the check was called.
type History struct {
	What string
	// World is the index of the world whose clients recorded it.
	World int
	checker.HistoryView
}

// NodeStats are one node's statistics in an Outcome.
type NodeStats struct {
	Name string
	sim.NodeStats
}

// UsageError is bad input to Run: an unknown scenario or parameter, or a
// malformed fault schedule. Nothing ran.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Run runs one scenario for one seed. The error is a *UsageError for bad
// input; everything that went wrong in the run itself is in the Outcome.
func Run(name string, seed uint64, o Options) (Outcome, error) {
	s, ok := Lookup(name)
	if !ok {
		return Outcome{}, &UsageError{unknownScenario(name)}
	}
	return RunScenario(s, seed, o)
}

// RunScenario runs one seed of a scenario that need not be registered: a
// broken variant in a _test.go file, say, run through the same machinery as
// the catalogue (failures with trace tails, the fingerprint, statistics).
// Its replay command names s.Name, which simrun knows only if s is
// registered.
func RunScenario(s Scenario, seed uint64, o Options) (Outcome, error) {
	if err := CheckOptions(s, o); err != nil {
		return Outcome{}, &UsageError{err}
	}
	if o.Faults != "" && s.FixedFaults != "" {
		if err := CheckOwnSchedule(s, seed, o); err != nil {
			return Outcome{}, err
		}
	}
	out, err := runOnce(s, seed, o, o.Trace)
	if err != nil {
		return out, err
	}
	if len(out.Failures) > 0 && o.TraceTail >= 0 && o.Trace == nil {
		attachTrace(s, seed, o, &out)
	}
	return out, nil
}

// CheckOwnSchedule accepts Options.Faults for a scenario with fixed faults
// only when it is the scenario's own schedule for the seed, which it finds
// by running the seed without it (Run checks it too); it returns a
// *UsageError saying why otherwise.
func CheckOwnSchedule(s Scenario, seed uint64, o Options) error {
	if o.Faults == "" || s.FixedFaults == "" {
		return nil
	}
	given, err := ParseSchedules(o.Faults)
	if err != nil {
		return &UsageError{err}
	}
	own := o
	own.Faults, own.Trace, own.VizDir = "", nil, ""
	out, err := runOnce(s, seed, own, nil)
	if err != nil {
		return err
	}
	if faults.Join(given) != out.Faults {
		return &UsageError{fmt.Errorf("scenario %s takes no schedule of yours: %s. -faults must be its own schedule for seed %d, which is %q (or leave -faults out)",
			s.Name, s.FixedFaults, seed, out.Faults)}
	}
	return nil
}

// Probe checks, without running it through, that s can take the fault
// schedule of o: it runs s until the schedule is bound to its first world
// (its node names and roles resolved), and fails with a *UsageError if a
// name is unknown or s binds no schedule at all.
func Probe(s Scenario, seed uint64, o Options) error {
	if o.Faults == "" {
		return nil
	}
	if err := CheckOptions(s, o); err != nil {
		return &UsageError{err}
	}
	c := &Case{scenario: s, seed: seed, opts: o, probe: true}
	var err error
	if c.overrides, err = ParseSchedules(o.Faults); err != nil {
		return &UsageError{err}
	}
	c.call(func() { s.Run(c) }, &err)
	if err == nil {
		err = c.checkOverridesUsed()
	}
	if err != nil {
		return err
	}
	if !c.probed && !c.boundAny() {
		return &UsageError{fmt.Errorf("scenario %s applies no fault schedule, so -faults has nothing to replace", s.Name)}
	}
	return nil
}

// boundAny reports whether any world bound the override.
func (c *Case) boundAny() bool {
	for _, f := range c.wfaults {
		if f.override {
			return true
		}
	}
	return false
}

// checkOverridesUsed reports schedules given for worlds the scenario never
// made: they would have been ignored.
func (c *Case) checkOverridesUsed() error {
	bound := 0
	for _, f := range c.wfaults {
		if f.override {
			bound++
		}
	}
	if len(c.overrides) > 1 && bound < len(c.overrides) {
		return &UsageError{fmt.Errorf("-faults gives %d schedules (separated by \"/\"), one per world, but %s applies schedules to %d worlds: give %d", len(c.overrides), c.scenario.Name, bound, bound)}
	}
	return nil
}

// CheckOptions reports options that s cannot run with: a malformed fault
// schedule or a parameter s does not declare.
func CheckOptions(s Scenario, o Options) error {
	st, err := sim.ParseStrategy(o.Strategy)
	if err != nil {
		return err
	}
	if st.Kind != sim.Random && s.FixedStrategy != "" {
		return fmt.Errorf("scenario %s takes no strategy but the default (%s): -strategy %s holds messages back by design, so a failure under it would not mean a bug; run it without -strategy", s.Name, s.FixedStrategy, st)
	}
	if o.Faults != "" {
		if _, err := ParseSchedules(o.Faults); err != nil {
			return err
		}
	}
	for _, k := range node.SortedKeys(o.Params) {
		known := false
		var names []string
		for _, p := range s.Params {
			if p.Name == k {
				known = true
				if p.Max > 0 {
					if err := p.check(s.Name, o.Params[k]); err != nil {
						return err
					}
				}
			}
			names = append(names, p.Name)
		}
		if !known {
			if len(names) == 0 {
				return fmt.Errorf("scenario %s takes no parameters, yet -p %s was given", s.Name, k)
			}
			return fmt.Errorf("scenario %s has no parameter %q; it takes %s", s.Name, k, strings.Join(names, ", "))
		}
	}
	return nil
}

// attachTrace runs the seed again with a trace tail and attaches the last
// records to every failure. A second run that differs is itself reported:
// the run is not deterministic.
func attachTrace(s Scenario, seed uint64, o Options, out *Outcome) {
	n := o.TraceTail
	if n == 0 {
		n = 40
	}
	// The records around the first failure: three quarters before it (by
	// the count of events handled), a quarter after.
	win := sim.NewWindow(out.Failures[0].Event, n-n/4, n/4)
	again, err := runOnce(s, seed, o, win.Add)
	if err != nil {
		return
	}
	records := win.Records()
	for _, f := range out.Failures {
		f.Trace = records
		if again.Fingerprint != out.Fingerprint {
			f.Msg += fmt.Sprintf(" [a second run of this seed ended with fingerprint %016x instead of %016x: the run is not deterministic; simrun -check-determinism names the first divergent event]", again.Fingerprint, out.Fingerprint)
		}
	}
}

type abort struct{}

// call runs fn as scenario code: an abort (Must) ends it quietly, bad input
// becomes *err, any other panic a failure of the run.
func (c *Case) call(fn func(), err *error) {
	defer func() {
		r := recover()
		switch r := r.(type) {
		case nil, abort:
		case probeDone:
			c.probed = true
		case usagePanic:
			*err = &UsageError{r.err}
		default:
			f := &sim.Failure{Kind: sim.Panic, Msg: fmt.Sprintf("scenario code panicked: %v", r), Stack: string(debug.Stack())}
			if w := c.world(); w != nil {
				f.Time, f.Event = w.Now(), w.Events()
			}
			c.addFailure(f)
		}
	}()
	fn()
}

type usagePanic struct{ err error }

func runOnce(s Scenario, seed uint64, o Options, trace func(sim.Record)) (out Outcome, err error) {
	c := &Case{scenario: s, seed: seed, opts: o, trace: trace}
	if o.Faults != "" {
		if c.overrides, err = ParseSchedules(o.Faults); err != nil {
			return Outcome{}, &UsageError{err}
		}
	}
	start := time.Now()
	c.call(func() { s.Run(c) }, &err)
	for i := len(c.cleanups) - 1; i >= 0 && err == nil; i-- {
		c.call(c.cleanups[i], &err)
	}
	defer func() {
		for _, w := range c.worlds {
			w.Close() // after every figure is read: a guest node's instance is freed
		}
	}()
	if err == nil && c.overrides != nil {
		err = c.checkOverridesUsed()
	}
	if err != nil {
		return Outcome{}, err
	}
	for k, w := range c.worlds {
		if f := w.Failure(); f != nil {
			c.addFailure(f)
			f.World = k
		}
	}
	out = Outcome{
		Scenario: s.Name,
		Seed:     seed,
		Options:  o,
		Failures: c.failures,
		Unknown:  c.unknown,
		Notes:    c.notes,
		Faults:   c.faultSchedules(),
		Wall:     time.Since(start),
		Replay:   ReplayCommand(s.Name, seed, o),

		Operations: c.operations,
		Histories:  c.histories,
		Worlds:     len(c.worlds),
	}
	if out.Faults == "" && len(c.worlds) > 0 {
		out.Faults = "none" // a run with no world (a guest) has no schedule at all
	}
	out.Passed = len(out.Failures) == 0 && len(out.Unknown) == 0
	fp := seed
	for _, f := range c.foreign {
		fp = node.Mix(fp, f.Fingerprint)
		out.Events += f.Events
		out.VirtualTime += f.Virtual
	}
	for _, w := range c.worlds {
		fp = node.Mix(fp, w.Fingerprint())
		out.Stats.Add(w.Stats())
		for _, id := range w.Nodes() {
			out.Nodes = append(out.Nodes, NodeStats{Name: w.Name(id), NodeStats: w.NodeStats(id)})
		}
		out.Events += w.Events()
		out.VirtualTime += w.Now()
		out.Coverage = AddCoverage(out.Coverage, w.Coverage())
	}
	out.Fingerprint = fp
	for _, f := range out.Failures {
		f.Scenario = s.Name
		f.Seed = seed
		f.Replay = out.Replay
	}
	return out, nil
}

// Case is one run of a scenario in progress: the scenario's handle on its
// seed, options, worlds and verdict.
type Case struct {
	scenario  Scenario
	seed      uint64
	opts      Options
	trace     func(sim.Record)
	worlds    []*sim.World
	failures  []*sim.Failure
	unknown   []string
	wfaults   []*worldFaults
	overrides []Schedule // from Options.Faults; nil: the scenario's own
	probe     bool       // stop once the override is bound
	probed    bool       // ... and it was
	// annotations mark the run's faults on history visualizations.
	annotations []checker.Annotation
	notes       []string
	cleanups    []func()
	describers  []func() string
	operations  int
	histories   []History // with Options.Histories
	foreign     []Foreign
}

// Foreign is a run a scenario drove outside any World, such as a guest
// program under package guest: what the Outcome counts of it.
type Foreign struct {
	// Fingerprint folds everything the run received; it is folded into
	// the Outcome's.
	Fingerprint uint64
	// Virtual is the run's virtual time; Events what it counts as events
	// (a guest's host calls).
	Virtual time.Duration
	Events  int64
}

// AddForeign counts a run the scenario drove outside any World in the
// Outcome: its fingerprint, virtual time and events.
func (c *Case) AddForeign(f Foreign) { c.foreign = append(c.foreign, f) }

// Tracer returns the function that receives the run's trace records, or
// nil when nobody asked for them. Worlds made by NewWorld send theirs
// there already; a scenario that drives something else (a guest program)
// sends its own.
func (c *Case) Tracer() func(sim.Record) { return c.trace }

// CountOperations adds n client operations to the run's count (what
// -minimize shrinks and reports). CheckLinearizable counts the histories it
// checks; a scenario checking histories another way calls it itself.
func (c *Case) CountOperations(n int) { c.operations += n }

// Cleanup registers fn to run when the scenario's run function has
// returned or stopped (on Must, say), last registered first: a harness's
// end-of-run checks. fn may record failures and unknown checks; a panic in
// it is a failure of the run.
func (c *Case) Cleanup(fn func()) { c.cleanups = append(c.cleanups, fn) }

// Reportf records a figure of the run (a virtual time it measured, say)
// that simrun prints with the result.
func (c *Case) Reportf(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// Seed is the run's seed.
func (c *Case) Seed() uint64 { return c.seed }

// Name is the scenario's name.
func (c *Case) Name() string { return c.scenario.Name }

// NewWorld makes a world seeded from the run's seed with the run's options
// applied (strict mode, tracing). A scenario may make several, for instance
// to compare two configurations; the first gets the run's seed itself.
func (c *Case) NewWorld(cfg sim.Config) *sim.World {
	cfg.Strict = cfg.Strict || c.opts.Strict
	if c.trace != nil {
		k := len(c.worlds)
		cfg.Trace = func(r sim.Record) { r.World = k; c.trace(r) }
	}
	cfg.Strategy = c.opts.strategy()
	cfg.Coverage = c.opts.Coverage
	seed := c.seed
	if k := len(c.worlds); k > 0 {
		seed = node.Mix(c.seed, uint64(k))
	}
	w := sim.New(seed, cfg)
	c.worlds = append(c.worlds, w)
	return w
}

func (c *Case) world() *sim.World {
	if len(c.worlds) == 0 {
		return nil
	}
	return c.worlds[len(c.worlds)-1]
}

// Rand returns a random stream for the scenario's own draws (workloads,
// fault schedules), named by label and independent of every world's streams.
func (c *Case) Rand(label string) *node.Rand {
	return node.NewRand(node.Mix(c.seed, node.HashString("case:"+label)))
}

// HasParam reports whether the scenario declares the named parameter.
func (c *Case) HasParam(name string) bool {
	return slices.ContainsFunc(c.scenario.Params, func(p Param) bool { return p.Name == name })
}

// Options returns the options the run was given.
func (c *Case) Options() Options { return c.opts }

// Param returns the value of a declared parameter, or its default.
func (c *Case) Param(name string) string {
	for _, p := range c.scenario.Params {
		if p.Name == name {
			if v, ok := c.opts.Params[name]; ok {
				return v
			}
			return p.Default
		}
	}
	panic(fmt.Sprintf("scenarios: %s reads undeclared parameter %q", c.scenario.Name, name))
}

// IntParam returns a declared integer parameter.
func (c *Case) IntParam(name string) int {
	v, err := strconv.Atoi(c.Param(name))
	if err != nil {
		panic(usagePanic{fmt.Errorf("parameter %s=%q of %s must be an integer", name, c.Param(name), c.scenario.Name)})
	}
	return v
}

// DurationParam returns a declared duration parameter.
func (c *Case) DurationParam(name string) time.Duration {
	v, err := time.ParseDuration(c.Param(name))
	if err != nil {
		panic(usagePanic{fmt.Errorf("parameter %s=%q of %s must be a duration such as 10s", name, c.Param(name), c.scenario.Name)})
	}
	return v
}

// BadInput stops the run as bad input (exit status 2 in simrun).
func (c *Case) BadInput(format string, args ...any) {
	panic(usagePanic{fmt.Errorf(format, args...)})
}

func (c *Case) addFailure(f *sim.Failure) {
	for _, g := range c.failures {
		if g == f {
			return
		}
	}
	switch f.Kind {
	case sim.Liveness, sim.Budget, sim.Livelock:
		// What was stuck, as of now: the scenario's own account.
		for _, d := range c.describers {
			if s := d(); s != "" {
				f.Msg += "; " + s
			}
		}
	}
	if w := c.world(); w != nil {
		f.Msg = w.Names(f.Msg) // nodes by name, as in the trace
		f.World = len(c.worlds) - 1
	}
	c.failures = append(c.failures, f)
}

// Stuckf stops the scenario with a liveness failure: something that must
// happen did not (agreement, a leader, a client's answer). The describers
// say what the system was doing.
func (c *Case) Stuckf(format string, args ...any) {
	f := &sim.Failure{Kind: sim.Liveness, Msg: fmt.Sprintf(format, args...)}
	if w := c.world(); w != nil {
		f.Time, f.Event, f.Seed = w.Now(), w.Events(), w.Seed()
	}
	c.addFailure(f)
	panic(abort{})
}

// Describe registers fn to say, when the run fails for want of progress
// (a liveness wait timing out, a budget or a livelock), what the system
// was doing: each server's role, log and commit index, say. Its text is
// appended to the failure.
func (c *Case) Describe(fn func() string) { c.describers = append(c.describers, fn) }

// Must stops the scenario if err is not nil, recording it as a failure: a
// *sim.Failure as it is, anything else as a check failure.
func (c *Case) Must(err error) {
	if !noError(err) {
		c.Check(err)
		panic(abort{})
	}
}

// noError reports whether err means no failure: nil, or a nil *sim.Failure
// wrapped in an error by code written before World.Err returned error.
func noError(err error) bool {
	if err == nil {
		return true
	}
	f, ok := err.(*sim.Failure)
	return ok && f == nil
}

// Check records err, if not nil, as a failure and lets the scenario go on.
func (c *Case) Check(err error) {
	if noError(err) {
		return
	}
	var f *sim.Failure
	if !errors.As(err, &f) || f == nil {
		f = &sim.Failure{Kind: sim.Check, Msg: err.Error()}
		if w := c.world(); w != nil {
			f.Time, f.Event = w.Now(), w.Events()
		}
	}
	c.addFailure(f)
}

// Failf records a failed check and lets the scenario go on.
func (c *Case) Failf(format string, args ...any) {
	c.Check(fmt.Errorf(format, args...))
}

// Unknownf records a check that could not decide. The run does not pass.
func (c *Case) Unknownf(format string, args ...any) {
	c.unknown = append(c.unknown, fmt.Sprintf(format, args...))
}

// AddCoverage adds the counts of more to sum, both sorted by mark name,
// and returns the sum, sorted.
func AddCoverage(sum, more []sim.MarkHits) []sim.MarkHits {
	for _, h := range more {
		i := sort.Search(len(sum), func(i int) bool { return sum[i].Name >= h.Name })
		if i < len(sum) && sum[i].Name == h.Name {
			sum[i].Add(h)
			continue
		}
		sum = append(sum, sim.MarkHits{})
		copy(sum[i+1:], sum[i:])
		sum[i] = h
	}
	return sum
}
