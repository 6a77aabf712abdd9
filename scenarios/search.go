package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim/node"
)

// Search looks for a failing run the way Go's fuzzer looks for a crashing
// input: it keeps a corpus of runs (a seed and the fault schedule applied)
// that reached something no run before had, and mutates those rather than
// drawing fresh seeds. What a run reached is its coverage: each node.Mark
// a handler hit, under which kinds of fault (or none), and how often, in
// powers of two. A run that reaches a new one joins the corpus; the next
// input is a mutation of an entry picked by the rarity of what it reached,
// so a schedule that once got a system into an odd state is pushed further
// there instead of being forgotten behind the next seed.
//
// Mutations work on the schedule's text form, as a user could: move an
// action in time, drop one, repeat one later, splice in a window of
// another entry's schedule or of a freshly drawn swarm schedule, or keep
// the schedule and change the seed (the workload and every random choice
// of the run). They use only the operations the scenario's own schedules
// use, and leave its calm and what follows in place, so a failure is one
// the scenario was written to survive. A mutant the scenario refuses as bad input (a restart of a
// node that is up, say) costs no run. Every run is an ordinary run: the
// failing one replays with its seed and -faults.

// SearchOptions configures Search.
type SearchOptions struct {
	// Runs is the budget: how many runs at most, plain seeds included.
	Runs int
	// Seeds is how many plain seeds (FirstSeed, FirstSeed+1, …) start the
	// corpus; 0 means a tenth of Runs, at least 4. FirstSeed 0 means 1.
	Seeds     int
	FirstSeed uint64
	// Seed drives the search's own choices (which entry, which mutation).
	Seed uint64
	// Options are every run's options; Coverage is turned on and Faults
	// replaced by each mutant's.
	Options Options
	// Log, when set, hears each run that joins the corpus or fails.
	Log func(string)
}

// SearchResult is what Search found.
type SearchResult struct {
	// Runs is how many runs it made; Found, the first failing one (nil
	// if none failed within the budget), was the FoundAt-th.
	Runs    int
	Found   *Outcome
	FoundAt int
	// Corpus is how many runs it kept; Features how many distinct
	// (mark, fault kind, hit bucket) triples the runs reached.
	Corpus   int
	Features int
	Wall     time.Duration
}

// searchEntry is one run kept in the corpus.
type searchEntry struct {
	seed     uint64
	worlds   []Schedule
	features []string
}

// ErrFixedFaults is returned by Search for a scenario that takes no
// schedule but its own: there is nothing to mutate.
var ErrFixedFaults = errors.New("the scenario takes no fault schedule but its own")

// Search runs s as SearchOptions say until a run fails or the budget is
// spent.
func Search(s Scenario, so SearchOptions) (*SearchResult, error) {
	if s.FixedFaults != "" {
		return nil, &UsageError{fmt.Errorf("%s: %w (%s): search mutates fault schedules; sweep its seeds instead", s.Name, ErrFixedFaults, s.FixedFaults)}
	}
	if so.Runs <= 0 {
		return nil, &UsageError{fmt.Errorf("a search needs a budget of at least one run")}
	}
	start := time.Now()
	plain := so.Seeds
	if plain <= 0 {
		plain = max(so.Runs/10, 4)
	}
	o := so.Options
	o.Coverage, o.Faults = true, ""
	o.TraceTail, o.Trace, o.VizDir = -1, nil, ""
	sr := &search{s: s, o: o, r: node.NewRand(node.Mix(so.Seed, node.HashString("search"))), seen: map[string]int{}, ops: map[string]bool{}, log: so.Log}
	res := &SearchResult{}
	run := func(seed uint64, worlds []Schedule) (bool, error) {
		o := sr.o
		if worlds != nil {
			o.Faults = faults.Join(worlds)
		}
		out, err := RunScenario(s, seed, o)
		if err != nil {
			var u *UsageError
			if errors.As(err, &u) && worlds != nil {
				return false, nil // a mutant the scenario refuses: no run
			}
			return false, err
		}
		res.Runs++
		if len(out.Failures) > 0 {
			res.Found, res.FoundAt = &out, res.Runs
			sr.say("run %d fails: seed %d %s: %s", res.Runs, seed, kindOf(out), out.Replay)
			return true, nil
		}
		// A run that only could not decide (Unknown) is no failure to
		// report, and its coverage counts like any other's.
		sr.add(out, res.Runs)
		return false, nil
	}
	first := max(so.FirstSeed, 1)
	for seed := first; seed < first+uint64(plain) && res.Runs < so.Runs; seed++ {
		if done, err := run(seed, nil); done || err != nil {
			res.Wall = time.Since(start)
			sr.fill(res)
			return res, err
		}
	}
	for tries := 0; res.Runs < so.Runs && tries < 20*so.Runs; tries++ {
		seed, worlds := sr.mutant()
		if done, err := run(seed, worlds); done || err != nil {
			res.Wall = time.Since(start)
			sr.fill(res)
			return res, err
		}
	}
	res.Wall = time.Since(start)
	sr.fill(res)
	return res, nil
}

func kindOf(o Outcome) string {
	return fmt.Sprintf("%s: %s", o.Failures[0].Kind, head(o.Failures[0].Msg))
}

// search is Search's state.
type search struct {
	s      Scenario
	o      Options
	r      *node.Rand
	corpus []searchEntry
	seen   map[string]int  // feature -> runs that reached it
	nodes  []string        // the nodes the schedules name, sorted
	ops    map[string]bool // the operations the schedules use
	end    time.Duration   // the latest action's time
	log    func(string)
}

func (sr *search) say(format string, args ...any) {
	if sr.log != nil {
		sr.log(fmt.Sprintf(format, args...))
	}
}

func (sr *search) fill(res *SearchResult) {
	res.Corpus, res.Features = len(sr.corpus), len(sr.seen)
}

// features lists what a run reached: for each mark, the kinds of fault it
// was hit under (and "quiet"), and its hit count's power of two.
func features(o Outcome) []string {
	var out []string
	for _, m := range o.Coverage {
		if m.Quiet > 0 {
			out = append(out, m.Name+"|quiet")
		}
		for k, n := range m.ByFault {
			if n > 0 {
				out = append(out, fmt.Sprintf("%s|%d", m.Name, k))
			}
		}
		out = append(out, fmt.Sprintf("%s#%d", m.Name, bits.Len64(uint64(m.Hits))))
	}
	return out
}

// add counts what a passing run reached and keeps it if any of it is new.
func (sr *search) add(o Outcome, run int) {
	fs := features(o)
	fresh := 0
	for _, f := range fs {
		if sr.seen[f] == 0 {
			fresh++
		}
		sr.seen[f]++
	}
	if fresh == 0 {
		return
	}
	worlds, err := faults.ParseWorlds(o.Faults)
	if err != nil {
		return // a schedule that does not parse back cannot be mutated
	}
	sr.corpus = append(sr.corpus, searchEntry{seed: o.Seed, worlds: worlds, features: fs})
	for _, w := range worlds {
		for _, a := range w {
			sr.ops[a.Op] = true
			for _, n := range a.Nodes() {
				if _, _, role := faults.SplitRole(n); !role && !slices.Contains(sr.nodes, n) {
					sr.nodes = append(sr.nodes, n)
				}
			}
			sr.end = max(sr.end, a.At)
		}
	}
	slices.Sort(sr.nodes)
	sr.say("run %d joins the corpus (%d entries): seed %d reached %d new of %d", run, len(sr.corpus), o.Seed, fresh, len(fs))
}

// pick chooses a corpus entry, weighted by the rarity of what it reached:
// the sum over its features of one over how many runs reached each.
func (sr *search) pick() searchEntry {
	weights := make([]float64, len(sr.corpus))
	total := 0.0
	for i, e := range sr.corpus {
		for _, f := range e.features {
			weights[i] += 1 / float64(sr.seen[f])
		}
		total += weights[i]
	}
	x := sr.r.Float64() * total
	for i, w := range weights {
		if x -= w; x < 0 {
			return sr.corpus[i]
		}
	}
	return sr.corpus[len(sr.corpus)-1]
}

// mutant returns the next input: a mutation of a corpus entry, or a fresh
// seed while the corpus is empty.
func (sr *search) mutant() (uint64, []Schedule) {
	if len(sr.corpus) == 0 {
		return sr.r.Uint64N(1<<32) + 1, nil
	}
	e := sr.pick()
	seed := e.seed
	worlds := make([]Schedule, len(e.worlds))
	for i, w := range e.worlds {
		worlds[i] = slices.Clone(w)
	}
	w := sr.r.IntN(len(worlds))
	// One to three mutations at once, as a fuzzer stacks them.
	for range 1 + sr.r.IntN(3) {
		switch sr.r.IntN(6) {
		case 0:
			seed = sr.r.Uint64N(1<<32) + 1
		case 1:
			worlds[w] = sr.shift(worlds[w])
		case 2:
			worlds[w] = sr.drop(worlds[w])
		case 3:
			worlds[w] = sr.repeat(worlds[w])
		case 4:
			other := sr.corpus[sr.r.IntN(len(sr.corpus))]
			if w < len(other.worlds) {
				worlds[w] = sr.splice(worlds[w], other.worlds[w])
			}
		case 5:
			worlds[w] = sr.splice(worlds[w], sr.drawn())
		}
	}
	return seed, worlds
}

// body and tail split a schedule at its last calm: the calm and what
// follows stay put, so a mutant keeps the scenario's liveness phase.
func body(s Schedule) (Schedule, Schedule) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].Op == "calm" {
			return s[:i:i], s[i:]
		}
	}
	return s, nil
}

func (sr *search) limit(s Schedule) time.Duration {
	if _, tail := body(s); len(tail) > 0 {
		return tail[0].At
	}
	return max(sr.end, time.Second)
}

func sorted(s Schedule) Schedule {
	slices.SortStableFunc(s, func(a, b Action) int { return cmp.Compare(a.At, b.At) })
	return s
}

// shift moves one action up to 300 ms either way, within the fault phase.
func (sr *search) shift(s Schedule) Schedule {
	b, tail := body(s)
	if len(b) == 0 {
		return s
	}
	i := sr.r.IntN(len(b))
	at := b[i].At + sr.r.Duration(-300*time.Millisecond, 300*time.Millisecond)
	b[i].At = min(max(at, 0), sr.limit(s)-time.Millisecond).Round(time.Millisecond)
	return append(sorted(b), tail...)
}

// drop removes one action.
func (sr *search) drop(s Schedule) Schedule {
	b, tail := body(s)
	if len(b) == 0 {
		return s
	}
	i := sr.r.IntN(len(b))
	return append(slices.Delete(b, i, i+1), tail...)
}

// repeat adds a copy of one action, and of the action that undoes it if it
// is a crash or a partition, later in the fault phase.
func (sr *search) repeat(s Schedule) Schedule {
	b, tail := body(s)
	if len(b) == 0 {
		return s
	}
	i := sr.r.IntN(len(b))
	d := sr.r.Duration(10*time.Millisecond, time.Second).Round(time.Millisecond)
	lim := sr.limit(s)
	add := func(a Action) {
		if a.At+d < lim {
			a.At += d
			a.Args = slices.Clone(a.Args)
			b = append(b, a)
		}
	}
	add(b[i])
	if undo := undoOf(b, i); undo >= 0 {
		add(b[undo])
	}
	return append(sorted(b), tail...)
}

// undoOf finds the action after b[i] that ends what b[i] started: the
// restart of a crashed node, the heal of a partition; -1 for none.
func undoOf(b Schedule, i int) int {
	a := b[i]
	op, ok := faults.Lookup(a.Op)
	if !ok {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		next, _ := faults.Lookup(b[j].Op)
		switch {
		case op.Life == faults.TakesDown && next.Life == faults.BringsUp && len(a.Args) > 0 && len(b[j].Args) > 0 && b[j].Args[0] == a.Args[0]:
			return j
		case a.Op != "heal" && b[j].Op == "heal" && len(a.Nodes()) > 1:
			return j
		}
	}
	return -1
}

// splice replaces a window of s's fault phase with the same window of
// from's.
func (sr *search) splice(s, from Schedule) Schedule {
	b, tail := body(s)
	fb, _ := body(from)
	lim := sr.limit(s)
	lo := sr.r.Duration(0, lim)
	hi := min(lo+sr.r.Duration(100*time.Millisecond, 2*time.Second), lim)
	var out Schedule
	for _, a := range b {
		if a.At < lo || a.At >= hi {
			out = append(out, a)
		}
	}
	for _, a := range fb {
		if a.At >= lo && a.At < hi {
			a.Args = slices.Clone(a.Args)
			out = append(out, a)
		}
	}
	return append(sorted(out), tail...)
}

// drawn is a fresh swarm schedule over the nodes the corpus names, with
// only the operations the corpus's schedules use: a scenario's own
// schedules say what it was written to survive (a store in memory is
// never crashed, a node whose disk is damaged stays down), and a search
// must not report as a bug a fault the scenario never meant to bear.
func (sr *search) drawn() Schedule {
	if len(sr.nodes) == 0 {
		return nil
	}
	p := DrawProfile(sr.r)
	p.Reboot = p.Reboot || sr.ops["reboot"]
	var out Schedule
	for _, a := range p.Schedule(sr.r, sr.nodes, max(len(sr.nodes)/2, 1), 0, max(sr.end, time.Second)) {
		if sr.ops[a.Op] {
			out = append(out, a)
		}
	}
	return out
}
