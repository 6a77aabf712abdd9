package scenarios

import (
	"fmt"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Scenario is one named, replayable experiment.
type Scenario struct {
	// Name is "system/behaviour", e.g. "register/partitions".
	Name string
	// Summary says in one line what the scenario does and checks.
	Summary string
	// Params documents the scenario's own parameters (simrun -p k=v).
	Params []Param
	// Run builds, drives and checks one run; it reports through c.
	Run func(c *Case)
	// Histories says the scenario checks a history for linearizability,
	// so Options.VizDir (simrun -viz) has something to draw.
	Histories bool
	// FixedFaults, when set, says why the scenario's checks hold only
	// under its own faults (they assert what its faults cause, or that
	// nothing failed): Options.Faults is then refused unless it is the
	// scenario's own schedule for the seed.
	FixedFaults string
	// FixedStrategy, when set, says why the scenario's checks hold only
	// under the default scheduling strategy: they bound latency or message
	// counts, which another strategy stretches by design (PCT holds a low
	// node's messages back). A run under another strategy is refused with
	// it, since a failure there would not mean a bug.
	FixedStrategy string
}

// Param documents one scenario parameter. An integer parameter declares
// its bounds: Max > 0 makes every value outside [Min, Max] bad input,
// reported before anything runs.
type Param struct {
	Name, Default, Doc string
	Min, Max           int
	// Shrink marks an integer parameter sizing the workload (clients,
	// operations, keys, rounds): a smaller value is a smaller case, which
	// Minimize tries, down to Min.
	Shrink bool
}

// check reports a value of an integer parameter that is not an integer
// within its bounds.
func (p Param) check(scenario, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < p.Min || n > p.Max {
		return fmt.Errorf("parameter %s=%q of %s must be an integer from %d to %d", p.Name, v, scenario, p.Min, p.Max)
	}
	return nil
}

var registry = map[string]Scenario{}

// Register adds a scenario; it panics on a duplicate or malformed entry,
// which is a programming error caught by any test.
func Register(s Scenario) {
	if s.Name == "" || s.Run == nil || s.Summary == "" {
		panic(fmt.Sprintf("scenarios: incomplete scenario %+v", s))
	}
	for _, p := range s.Params {
		if p.Max > 0 {
			if err := p.check(s.Name, p.Default); err != nil {
				panic(fmt.Sprintf("scenarios: %s: the default is out of bounds: %v", s.Name, err))
			}
		}
	}
	if _, dup := registry[s.Name]; dup {
		panic("scenarios: two scenarios named " + s.Name)
	}
	registry[s.Name] = s
	if pc, file, _, ok := runtime.Caller(1); ok {
		if fn := runtime.FuncForPC(pc); fn != nil {
			pkg := packagePath(fn.Name())
			registeredBy[s.Name] = registration{pkg: pkg,
				importable: !strings.HasSuffix(file, "_test.go") && !strings.HasSuffix(pkg, "_test") && path.Base(pkg) != "main"}
		}
	}
}

// registration is where a scenario was registered: the import path of
// the package, and whether importing it registers the scenario (not when
// its test files or a main package did).
type registration struct {
	pkg        string
	importable bool
}

// registeredBy is where each scenario was registered, so a regression
// test written elsewhere can import it.
var registeredBy = map[string]registration{}

// packagePath is the import path in a function's full name, such as
// "github.com/simlab-go/simlab/catalogue/raftcat" in
// "github.com/simlab-go/simlab/catalogue/raftcat.init.0".
func packagePath(funcName string) string {
	slash := strings.LastIndex(funcName, "/")
	dot := strings.Index(funcName[slash+1:], ".")
	if dot < 0 {
		return funcName
	}
	return funcName[:slash+1+dot]
}

// All returns every registered scenario, sorted by name.
func All() []Scenario {
	out := make([]Scenario, 0, len(registry))
	for _, name := range sortedNames() {
		out = append(out, registry[name])
	}
	return out
}

func sortedNames() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the scenario with exactly this name.
func Lookup(name string) (Scenario, bool) {
	s, ok := registry[name]
	return s, ok
}

// Match returns the scenarios whose names match any of the comma-separated
// glob patterns ("raft/*", "kv/basic,register/*"; "*" alone means every
// scenario), sorted and without repeats. A pattern that matches nothing is
// an error that lists the names closest to it.
func Match(patterns string) ([]Scenario, error) {
	names, err := MatchNames(patterns, sortedNames())
	if err != nil {
		return nil, err
	}
	out := make([]Scenario, len(names))
	for i, name := range names {
		out[i] = registry[name]
	}
	return out, nil
}

// MatchNames is Match over any list of names (a Go package's tests, say):
// the names matching any of the patterns, in the order given, without
// repeats; a pattern matching none is an error naming the closest.
func MatchNames(patterns string, names []string) ([]string, error) {
	seen := map[string]bool{}
	for _, p := range strings.Split(patterns, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("scenario pattern %q is malformed: %v", p, err)
		}
		n := 0
		for _, name := range names {
			if ok, _ := path.Match(p, name); ok || p == "*" {
				seen[name] = true
				n++
			}
		}
		if n == 0 {
			return nil, unknownName(p, names)
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("no scenario named: pass -scenario NAME or a pattern such as 'register/*' (simrun -list shows them)")
	}
	var out []string
	for _, name := range names {
		if seen[name] {
			out = append(out, name)
		}
	}
	return out, nil
}

func unknownScenario(name string) error { return unknownName(name, sortedNames()) }

func unknownName(name string, names []string) error {
	close := closest(name, names, 3)
	if len(close) == 0 {
		return fmt.Errorf("no scenario matches %q (simrun -list shows them all)", name)
	}
	return fmt.Errorf("no scenario matches %q; did you mean %s? (simrun -list shows them all)", name, strings.Join(close, ", "))
}

// Closest returns up to n registered names nearest to name by edit
// distance, nearest first.
func Closest(name string, n int) []string { return closest(name, sortedNames(), n) }

func closest(name string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, s := range names {
		d := editDistance(name, s)
		if strings.Contains(s, name) || strings.Contains(name, s) {
			d = min(d, 1)
		}
		if d <= max(3, len(name)/2) {
			cs = append(cs, cand{s, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b, for
// suggesting the name a user meant.
func EditDistance(a, b string) int { return editDistance(a, b) }

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
