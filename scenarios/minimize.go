package scenarios

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Minimization shrinks a failing run while it keeps failing the same way,
// in three passes:
//
//  1. the schedule's actions, by delta debugging (Zeller's ddmin): drop
//     halves, then quarters, …, and complements, keeping any smaller
//     schedule that still fails;
//  2. each remaining action's extent: a crash inside a handler becomes a
//     plain crash, a partition loses a node, a rate or a duration halves;
//  3. the workload: every parameter the scenario marks Shrink (clients,
//     operations, keys, rounds) goes as low as it can, by bisection.
//
// "The same way" is the failure's signature: its kind and what failed (the
// check or observer that reported it, with numbers blanked), so a smaller
// case that fails for another reason is not taken.

// Minimized is the result of Minimize.
type Minimized struct {
	Scenario  string
	Seed      uint64
	Signature string
	// Fixed says the scenario's own faults were kept (it has
	// FixedFaults, or its printed schedule given back did not fail the
	// same way): only its workload was shrunk, and Faults is what the run
	// applied, not an Options.Faults to give it.
	Fixed bool
	// Faults and Params are the smallest failing case found: pass them
	// in Options to replay it.
	Faults string
	Params map[string]string
	// Before and After measure the case: fault actions, client
	// operations, events.
	Before, After Size
	Steps         []MinimizeStep
	// Runs is how many runs the search made; Wall how long it took.
	Runs   int
	Wall   time.Duration
	Replay string
	// Outcome is the final case's run.
	Outcome Outcome
}

// Size measures a case.
type Size struct {
	Actions    int
	Operations int
	Events     int64
}

func (s Size) String() string {
	return fmt.Sprintf("%d actions, %d operations, %d events", s.Actions, s.Operations, s.Events)
}

// MinimizeStep is one smaller case the search kept.
type MinimizeStep struct {
	What string // "ddmin: 40 → 20 actions", "crash-mid s1 → crash s1", "clients 5 → 2"
	Size Size
}

// Signature names how a run failed: the first failure's kind and what
// reported it (the text before its first colon or semicolon, numbers
// blanked).
func Signature(o Outcome) string {
	if len(o.Failures) == 0 {
		if len(o.Unknown) > 0 {
			return "unknown: " + head(o.Unknown[0])
		}
		return ""
	}
	f := o.Failures[0]
	return string(f.Kind) + ": " + head(f.Msg)
}

var digits = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

func head(msg string) string {
	if i := strings.IndexAny(msg, ":;"); i > 0 {
		msg = msg[:i]
	}
	return digits.ReplaceAllString(msg, "#")
}

// Minimize shrinks the failing run of s at seed (with o) as described
// above. It returns an error if the run does not fail, or fails only as
// bad input. log, if set, hears every step as it is taken.
func Minimize(s Scenario, seed uint64, o Options, log func(string)) (*Minimized, error) {
	start := time.Now()
	o.TraceTail, o.Trace, o.VizDir = -1, nil, ""
	m := &Minimized{Scenario: s.Name, Seed: seed, Params: maps.Clone(o.Params), Fixed: s.FixedFaults != ""}
	if m.Params == nil {
		m.Params = map[string]string{}
	}
	say := func(format string, args ...any) {
		if log != nil {
			log(fmt.Sprintf(format, args...))
		}
	}
	first, err := RunScenario(s, seed, o)
	if err != nil {
		return nil, err
	}
	m.Runs++
	m.Signature = Signature(first)
	if first.Passed || m.Signature == "" {
		return nil, &UsageError{fmt.Errorf("%s seed %d passes: there is nothing to minimize; give a seed that fails (a sweep with -seeds lists them with their replay commands)", s.Name, seed)}
	}
	m.Faults = first.Faults
	m.Before = sizeOf(first)
	m.Outcome = first
	say("fails: %s (%s)", m.Signature, m.Before)

	// own: the scenario's own faults are kept (fixed, or the printed
	// schedule does not replay the failure); only the workload shrinks.
	own := s.FixedFaults != ""
	type key struct{ faults, params string }
	seen := map[key]bool{}
	// try runs a candidate and keeps it if it fails the same way; with
	// noBigger, only if it has no more actions and operations than the
	// case so far (a partition of fewer nodes can let more operations
	// through, which is no simplification).
	try := func(faults string, params map[string]string, what string, noBigger bool) bool {
		k := key{faults, fmt.Sprintf("%q", Options{Params: params}.Flags())}
		if seen[k] {
			return false
		}
		seen[k] = true
		c := o
		c.Faults, c.Params = faults, params
		if own {
			c.Faults = "" // its own schedule only; the workload may still shrink
		}
		out, err := RunScenario(s, seed, c)
		m.Runs++
		if err != nil || Signature(out) != m.Signature {
			return false
		}
		if cur, size := sizeOf(m.Outcome), sizeOf(out); noBigger && (size.Actions > cur.Actions || size.Operations > cur.Operations) {
			return false
		}
		m.Faults, m.Params, m.Outcome = faults, params, out
		if own {
			m.Faults = out.Faults
		}
		size := sizeOf(out)
		m.Steps = append(m.Steps, MinimizeStep{What: what, Size: size})
		say("%s: %s", what, size)
		return true
	}

	scheduleReplays := false
	if s.FixedFaults == "" {
		// Replay the printed schedule first: the rest of the search edits it.
		scheduleReplays = try(m.Faults, m.Params, "the printed schedule, given back", false)
		if !scheduleReplays {
			own = true
			say("the printed schedule given back does not fail the same way; keeping the scenario's own faults")
		}
	}
	// The passes run again while one of them finds something: a smaller
	// workload can make actions unnecessary, and fewer actions a smaller
	// workload possible.
	for round := 0; round < 3; round++ {
		steps := len(m.Steps)
		if scheduleReplays {
			if err := shrinkSchedule(m, try); err != nil {
				return nil, err
			}
		}
		shrinkWorkload(s, seed, o, m, first, own, try)
		if len(m.Steps) == steps {
			break
		}
	}
	m.After = sizeOf(m.Outcome)
	m.Wall = time.Since(start)
	final := o
	final.Faults, final.Params = m.Faults, m.Params
	if own || o.Faults == "" && m.Faults == first.Faults {
		final.Faults = "" // the scenario's own schedule does it
	}
	m.Fixed = own
	if len(final.Params) == 0 {
		final.Params = nil
	}
	m.Replay = ReplayCommand(s.Name, seed, final)
	return m, nil
}

func nodeNames(o Outcome) map[string]bool {
	out := map[string]bool{}
	for _, n := range o.Nodes {
		out[n.Name] = true
	}
	return out
}

// restrict drops from a schedule what it says of nodes that were in the
// run before (had) and are not now (has): an action on one of them, and
// its place in a partition's groups (Action.Without). Roles, never node
// names, stay.
func restrict(text string, had, has map[string]bool) string {
	gone := func(name string) bool { return had[name] && !has[name] }
	ws, err := ParseSchedules(text)
	if err != nil {
		return text
	}
	for w, sched := range ws {
		var kept Schedule
		for _, a := range sched {
			if a, ok := a.Without(gone); ok {
				kept = append(kept, a)
			}
		}
		ws[w] = kept
	}
	return faults.Join(ws)
}

// tryFunc runs a candidate case and keeps it if it still fails the same
// way (see Minimize).
type tryFunc func(faults string, params map[string]string, what string, noBigger bool) bool

// shrinkSchedule runs ddmin over each world's actions, then simplifies
// the actions one at a time.
func shrinkSchedule(m *Minimized, try tryFunc) error {
	worlds, err := ParseSchedules(m.Faults)
	if err != nil {
		return fmt.Errorf("the run's schedule does not parse back: %v", err)
	}
	for w := range worlds {
		worlds[w] = ddmin(worlds[w], func(c Schedule) bool {
			trial := slices.Clone(worlds)
			trial[w] = c
			return try(faults.Join(trial), m.Params, fmt.Sprintf("ddmin: kept %d of %d actions", len(c), len(worlds[w])), false)
		})
		for changed := true; changed; {
			changed = false
			for i := range worlds[w] {
				for _, v := range worlds[w][i].Simpler() {
					trial := slices.Clone(worlds)
					trial[w] = slices.Clone(worlds[w])
					trial[w][i] = v
					if try(faults.Join(trial), m.Params, fmt.Sprintf("%s → %s", worlds[w][i], v), true) {
						worlds[w] = trial[w]
						changed = true
						break
					}
				}
			}
		}
	}
	return nil
}

// shrinkWorkload lowers every Shrink parameter as far as the failure
// allows.
func shrinkWorkload(s Scenario, seed uint64, o Options, m *Minimized, first Outcome, own bool, try tryFunc) {
	for _, p := range s.Params {
		if !p.Shrink {
			continue
		}
		cur, err := strconv.Atoi(valueOf(p, m.Params))
		if err != nil || cur <= p.Min {
			continue
		}
		with := func(v int) map[string]string {
			q := maps.Clone(m.Params)
			q[p.Name] = strconv.Itoa(v)
			return q
		}
		// A smaller workload may have fewer nodes (clients): the schedule
		// loses what it says of the nodes gone.
		tryParam := func(v int, what string) bool {
			faults := m.Faults
			if !own {
				c := o
				c.Faults, c.Params = "none", with(v)
				probe, err := RunScenario(s, seed, c)
				m.Runs++
				if err != nil {
					return false
				}
				faults = restrict(faults, nodeNames(first), nodeNames(probe))
			}
			return try(faults, with(v), what, true)
		}
		// Min first; else bisect for the smallest value that still fails
		// between Min and the current one.
		if tryParam(p.Min, fmt.Sprintf("%s %d → %d", p.Name, cur, p.Min)) {
			continue
		}
		lo, hi := p.Min, cur
		for lo+1 < hi {
			mid := (lo + hi) / 2
			before := valueOf(p, m.Params)
			if tryParam(mid, fmt.Sprintf("%s %s → %d", p.Name, before, mid)) {
				hi = mid
			} else {
				lo = mid
			}
		}
	}
}

func sizeOf(o Outcome) Size {
	n := 0
	if ws, err := ParseSchedules(o.Faults); err == nil {
		for _, w := range ws {
			n += len(w)
		}
	}
	return Size{Actions: n, Operations: o.Operations, Events: o.Events}
}

func valueOf(p Param, params map[string]string) string {
	if v, ok := params[p.Name]; ok {
		return v
	}
	return p.Default
}

// ddmin returns a subsequence of s, as small as delta debugging finds,
// for which fails holds (it is never called with s itself).
func ddmin(s Schedule, fails func(Schedule) bool) Schedule {
	if len(s) == 0 {
		return s
	}
	if fails(Schedule{}) {
		return Schedule{}
	}
	n := 2
	for len(s) >= 2 {
		chunks := split(s, n)
		reduced := false
		for _, c := range chunks {
			if fails(c) {
				s, n, reduced = c, 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks {
				var rest Schedule
				for j, c := range chunks {
					if j != i {
						rest = append(rest, c...)
					}
				}
				if fails(rest) {
					s, n, reduced = rest, max(n-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if n >= len(s) {
				break
			}
			n = min(2*n, len(s))
		}
	}
	return s
}

// split cuts s into n nearly equal consecutive chunks.
func split(s Schedule, n int) []Schedule {
	var out []Schedule
	for i := 0; i < n; i++ {
		lo, hi := i*len(s)/n, (i+1)*len(s)/n
		if lo < hi {
			out = append(out, slices.Clone(s[lo:hi]))
		}
	}
	return out
}

// RegressionTest is the text of a Go test file that replays the minimized
// case and requires it to pass: it fails while the bug is there and keeps
// it fixed after. pkg is the test file's package name.
func (m *Minimized) RegressionTest(pkg string) string {
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(m.Scenario, "_")
	var params []string
	for _, k := range node.SortedKeys(m.Params) {
		params = append(params, fmt.Sprintf("%q: %q", k, m.Params[k]))
	}
	faults := m.Faults
	if m.Fixed {
		faults = "" // its own schedule
	}
	// A test outside the package that registers the scenario imports it,
	// for its registration; one inside it must not (an import cycle).
	// A scenario registered by a test file can only be run from there.
	imports := []string{`"github.com/simlab-go/simlab/scenarios"`}
	where := ""
	if reg, ok := registeredBy[m.Scenario]; ok && path.Base(reg.pkg) != pkg {
		if reg.importable {
			imports = append(imports, fmt.Sprintf("_ %q // registers %s", reg.pkg, m.Scenario))
			slices.Sort(imports)
		} else {
			where = fmt.Sprintf("// It must live in package %s, whose test files register %s.\n", reg.pkg, m.Scenario)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "import (\n\t\"testing\"\n\n\t%s\n)\n\n", strings.Join(imports, "\n\t"))
	fmt.Fprintf(&b, "// TestRegression%s%d replays the case simrun -minimize made of %s seed %d,\n", name, m.Seed, m.Scenario, m.Seed)
	fmt.Fprintf(&b, "// which failed with %q (%s; %s before shrinking).\n", m.Signature, m.After, m.Before)
	b.WriteString(where)
	fmt.Fprintf(&b, "func TestRegression%s%d(t *testing.T) {\n", name, m.Seed)
	fmt.Fprintf(&b, "\topts := scenarios.Options{Faults: %q", faults)
	if len(params) > 0 {
		fmt.Fprintf(&b, ", Params: map[string]string{%s}", strings.Join(params, ", "))
	}
	// Whatever else changes the run goes along, or the test would replay
	// another run than the one that failed.
	o := m.Outcome.Options
	if o.Strict {
		fmt.Fprintf(&b, ", Strict: true")
	}
	if st := o.strategy(); st.Kind != sim.Random {
		fmt.Fprintf(&b, ", Strategy: %q", st.String())
	}
	if o.CheckTimeout != 0 {
		fmt.Fprintf(&b, ", CheckTimeout: %d", int64(o.CheckTimeout))
	}
	fmt.Fprintf(&b, "}\n")
	fmt.Fprintf(&b, "\tout, err := scenarios.Run(%q, %d, opts)\n", m.Scenario, m.Seed)
	fmt.Fprintf(&b, "\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n")
	fmt.Fprintf(&b, "\tif !out.Passed {\n\t\tt.Fatalf(\"still failing: %%v %%v; replay: %%s\", out.Failures, out.Unknown, out.Replay)\n\t}\n}\n")
	return b.String()
}
