package simrun

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// -coverage: every run counts the marks its handlers reach (node.Mark),
// and the sweep adds them up into one table: per mark, how many hits, in
// how many runs, how many with no fault active, and how many under each
// kind of fault. Every declared mark of a system the sweep reached at all
// is listed, so a mark no run reached shows as a hole in the catalogue.

// coverRow is one mark's line of the table, as -json prints it.
type coverRow struct {
	Mark    string           `json:"mark"`
	Hits    int64            `json:"hits"`
	Runs    int64            `json:"runs"`
	Quiet   int64            `json:"quiet"`
	ByFault map[string]int64 `json:"by_fault,omitempty"`
}

// coverReport is the -json form of the table: the marks reached, and the
// declared marks of the same systems that were never reached.
type coverReport struct {
	Marks []coverRow `json:"marks"`
	Never []string   `json:"never"`
}

// coverTally adds up a sweep's coverage.
type coverTally struct {
	rows map[string]*coverRow
}

func newCoverTally() *coverTally { return &coverTally{rows: map[string]*coverRow{}} }

// addRun adds one run's marks.
func (t *coverTally) addRun(hits []sim.MarkHits) {
	for _, h := range hits {
		r := t.row(h.Name)
		r.Runs++
		r.Hits += h.Hits
		r.Quiet += h.Quiet
		for k, n := range h.ByFault {
			if n > 0 {
				r.ByFault[sim.FaultKind(k).String()] += n
			}
		}
	}
}

// addReport adds a shard's table (for -merge).
func (t *coverTally) addReport(rep *coverReport) {
	for _, o := range rep.Marks {
		r := t.row(o.Mark)
		r.Runs += o.Runs
		r.Hits += o.Hits
		r.Quiet += o.Quiet
		for k, n := range o.ByFault {
			r.ByFault[k] += n
		}
	}
}

func (t *coverTally) row(name string) *coverRow {
	r := t.rows[name]
	if r == nil {
		r = &coverRow{Mark: name, ByFault: map[string]int64{}}
		t.rows[name] = r
	}
	return r
}

// report is the table: every mark reached, by name, and every declared
// mark of the systems reached that was not.
func (t *coverTally) report() *coverReport {
	rep := &coverReport{Marks: []coverRow{}, Never: []string{}}
	systems := map[string]bool{}
	for name, r := range t.rows {
		rep.Marks = append(rep.Marks, *r)
		systems[node.MarkInfo{Name: name}.System()] = true
	}
	sort.Slice(rep.Marks, func(i, j int) bool { return rep.Marks[i].Mark < rep.Marks[j].Mark })
	for _, m := range node.Marks() {
		if systems[m.System()] && t.rows[m.Name] == nil {
			rep.Never = append(rep.Never, m.Name)
		}
	}
	return rep
}

// printCoverage writes the table for people.
func printCoverage(w io.Writer, rep *coverReport, runs int) {
	if len(rep.Marks) == 0 {
		fmt.Fprintf(w, "coverage: no run reached a mark (the systems these runs ran declare none, or reached none)\n")
		return
	}
	var systems []string
	seen := map[string]bool{}
	for _, r := range rep.Marks {
		if s := (node.MarkInfo{Name: r.Mark}).System(); !seen[s] {
			seen[s] = true
			systems = append(systems, s)
		}
	}
	fmt.Fprintf(w, "coverage: %d of %d marks of %s reached over %d runs\n",
		len(rep.Marks), len(rep.Marks)+len(rep.Never), strings.Join(systems, ", "), runs)
	var kinds []string // the fault kinds some hit was under, in table order
	for _, k := range sim.FaultKinds() {
		for _, r := range rep.Marks {
			if r.ByFault[k.String()] > 0 {
				kinds = append(kinds, k.String())
				break
			}
		}
	}
	width := len("mark")
	for _, r := range rep.Marks {
		width = max(width, len(r.Mark))
	}
	for _, n := range rep.Never {
		width = max(width, len(n))
	}
	fmt.Fprintf(w, "  %-*s %9s %6s %8s", width, "mark", "hits", "runs", "quiet")
	for _, k := range kinds {
		fmt.Fprintf(w, " %9s", k)
	}
	fmt.Fprintln(w)
	for _, r := range rep.Marks {
		fmt.Fprintf(w, "  %-*s %9d %6d %8d", width, r.Mark, r.Hits, r.Runs, r.Quiet)
		for _, k := range kinds {
			fmt.Fprintf(w, " %9d", r.ByFault[k])
		}
		fmt.Fprintln(w)
	}
	for _, n := range rep.Never {
		fmt.Fprintf(w, "  %-*s     never\n", width, n)
	}
	if len(rep.Never) > 0 {
		fmt.Fprintf(w, "never reached: %d marks: holes in what these runs explore (a scenario that reaches them is missing, or the branch cannot be taken)\n", len(rep.Never))
	}
}
