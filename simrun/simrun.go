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
//	simrun -scenario 'register/*' -seeds 1-500 -shard 2/4 -json > shard-2.jsonl
//	simrun -merge shard-*.jsonl
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
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/scenarios"
)

// Program is one runner: simrun itself, or an outside module's. The zero
// value is simrun.
type Program struct {
	// Name is what the runner calls itself in usage and errors; "simrun"
	// when empty.
	Name string
	// Command is how a user runs it, the start of every replay command it
	// prints. When empty: "go run ./cmd/simrun" if the program was built by
	// go run (or is a test), else the program as it was started: its name
	// when that is what PATH finds, its path otherwise.
	Command string
}

// command is the start of the replay commands the program prints.
func (p Program) command() string {
	if p.Command != "" {
		return p.Command
	}
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return scenarios.DefaultCommand
	}
	if found, err := exec.LookPath(filepath.Base(exe)); err == nil {
		if a, err1 := os.Stat(found); err1 == nil {
			if b, err2 := os.Stat(exe); err2 == nil && os.SameFile(a, b) {
				return filepath.Base(exe)
			}
		}
	}
	return exe
}

func (p Program) name() string {
	if p.Name == "" {
		return "simrun"
	}
	return p.Name
}

// Main runs the program over os.Args and exits with its status. Started
// as a sweep's worker process, it serves the sweep instead.
func (p Program) Main() {
	ServeIfWorker()
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

func run(p Program, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c, err := parse(p, args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.name(), err)
		return 2
	}
	if c.faultsHelp {
		listFaults(stdout)
		return 0
	}
	if c.list {
		if c.guest != nil {
			for _, s := range c.guest.scenarios() {
				fmt.Fprintln(stdout, s.Name)
			}
			return 0
		}
		list(stdout)
		return 0
	}
	if c.merge != nil {
		return merge(c, stdout, stderr)
	}
	if err := probe(c); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.name(), err)
		return 2
	}
	c.progress = isTerminal(stderr)
	if c.minimize {
		return minimize(c, stdout, stderr)
	}
	if c.search > 0 {
		return search(c, stdout, stderr)
	}
	if c.seedSet && len(c.selected) == 1 && !c.determinism && !c.json {
		return replay(c, stdout, stderr)
	}
	if c.seedSet {
		c.isolate = false // one run: nothing to isolate it from
	}
	return sweep(c, stdout, stderr)
}

func list(w io.Writer) {
	for _, s := range scenarios.All() {
		fmt.Fprintf(w, "%-28s %s\n", s.Name, s.Summary)
		for _, p := range s.Params {
			bounds := ""
			if p.Max > 0 {
				bounds = fmt.Sprintf(" (%d to %d)", p.Min, p.Max)
			}
			fmt.Fprintf(w, "%-28s   -p %s=%s  %s%s\n", "", p.Name, p.Default, p.Doc, bounds)
		}
		if s.FixedFaults != "" {
			fmt.Fprintf(w, "%-28s   fixed faults: %s\n", "", s.FixedFaults)
		}
		if s.FixedStrategy != "" {
			fmt.Fprintf(w, "%-28s   default strategy only: %s\n", "", s.FixedStrategy)
		}
	}
}

// listFaults prints every fault operation a schedule may use, from the
// table in package faults.
func listFaults(w io.Writer) {
	fmt.Fprintln(w, "A schedule is actions \"AT OP ARGS\" joined by \"; \" (or newlines), in time order; the schedules")
	fmt.Fprintln(w, "of a run's worlds are joined by \" / \". A NODE is a node's name or a role the scenario declares,")
	fmt.Fprintln(w, "such as leader, resolved when the action takes place; leader+1 is the next node after it.")
	fmt.Fprintln(w)
	for _, o := range faults.Ops() {
		fmt.Fprintf(w, "  %-10s %s\n", o.Name, o.Grammar())
		fmt.Fprintf(w, "  %-10s %s\n", "", o.Doc)
		if len(o.Coverage) > 0 {
			var kinds []string
			for _, k := range o.Coverage {
				kinds = append(kinds, k.String())
			}
			fmt.Fprintf(w, "  %-10s (-coverage counts marks reached while it holds under: %s)\n", "", strings.Join(kinds, ", "))
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
