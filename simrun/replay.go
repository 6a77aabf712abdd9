package simrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/simlab-go/simlab/report"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// replay runs one seed of one scenario and prints everything about it.
func replay(c *config, stdout, stderr io.Writer) int {
	s := c.selected[0]
	// The header waits for the run's first output: a parameter the
	// scenario itself refuses (exit 2) prints nothing but the error.
	final := stdout
	held := &heldWriter{w: final}
	stdout = held
	opts := c.opts
	options := opts.String()
	if c.guest != nil {
		options = fmt.Sprintf("test-timeout=%v work-cost=%v per 1,000 units (virtual time) sched=%s", c.guest.Timeout, c.guest.WorkCost, c.guest.Schedule)
	}
	fmt.Fprintf(stdout, "scenario: %s\nsummary:  %s\nseed:     %d\noptions:  %s\nreplay:   %s\n",
		s.Name, s.Summary, c.seed, options, scenarios.ReplayCommand(s.Name, c.seed, opts))
	if c.verbose {
		if c.filter.on() {
			fmt.Fprintf(stdout, "trace (%s):\n", c.filter)
		} else {
			fmt.Fprintln(stdout, "trace:")
		}
		opts.Trace = func(r sim.Record) {
			if c.filter.keep(r) {
				fmt.Fprintln(runOutput{held}, "  "+r.String())
			}
		}
	}
	var rec *report.Recording
	if c.htmlDir != "" {
		rec = report.Record(&opts)
	}
	if c.guest != nil {
		// What the test writes to /tmp is kept, for a porcupine
		// visualization or a log the test leaves there.
		dir, err := os.MkdirTemp("", fmt.Sprintf("simrun-%s-seed%d-", s.Name, c.seed))
		if err != nil {
			fmt.Fprintf(stderr, "%s: a directory for the test's files: %v\n", c.prog.name(), err)
			return 2
		}
		c.guest.scratch = dir
		defer func() {
			if entries, err := os.ReadDir(dir); err == nil && len(entries) == 0 {
				os.Remove(dir)
			} else {
				fmt.Fprintf(stdout, "files:    what the test wrote to /tmp is in %s\n", dir)
			}
		}()
		fmt.Fprintf(stdout, "binary:   %s, sha256 %s\n", c.guest.Import, c.guest.Hash)
		fmt.Fprintln(stdout, "output:")
		opts.Output = &indenter{w: runOutput{held}, prefix: "  | "}
	}
	out, err := scenarios.RunScenario(s, c.seed, opts)
	var ue *scenarios.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %v\n", c.prog.name(), err)
		return 2
	}
	if missing := unknownNodes(c.filter.nodes, out.Nodes); c.guest == nil && len(missing) > 0 {
		var names []string
		for _, n := range out.Nodes {
			names = append(names, n.Name)
		}
		fmt.Fprintf(stderr, "%s: -trace-node names %s, which %s does not have; its nodes are %s\n",
			c.prog.name(), strings.Join(missing, ", "), s.Name, strings.Join(names, ", "))
		return 2
	}
	held.open()
	reportPath := ""
	if rec != nil {
		path, err := report.WriteFile(c.htmlDir, rec.Finish(out))
		if err != nil {
			fmt.Fprintf(stderr, "%s: writing the report: %v\n", c.prog.name(), err)
			return 2
		}
		reportPath = path
	}
	if ind, ok := opts.Output.(*indenter); ok {
		ind.end()
	}
	textFormat{stdout}.run(out, runView{guest: c.guest != nil, verbose: c.verbose, coverage: opts.Coverage, report: reportPath, vizDir: opts.VizDir})
	if !out.Passed {
		return 1
	}
	return 0
}

// indenter prefixes every line written through it, so that a Go test's
// output stands apart from simrun's own lines.
type indenter struct {
	w       io.Writer
	prefix  string
	midLine bool
}

func (d *indenter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if !d.midLine {
			io.WriteString(d.w, d.prefix)
			d.midLine = true
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.w.Write(p)
			break
		}
		d.w.Write(p[:i+1])
		d.midLine = false
		p = p[i+1:]
	}
	return n, nil
}

// end finishes a line the output left open.
func (d *indenter) end() {
	if d.midLine {
		io.WriteString(d.w, "\n")
		d.midLine = false
	}
}

// heldWriter keeps what is written to it until open is called (by the
// run's first output, through runOutput, or after the run), then writes it
// all through.
type heldWriter struct {
	w      io.Writer
	held   bytes.Buffer
	opened bool
}

func (h *heldWriter) Write(p []byte) (int, error) {
	if !h.opened {
		return h.held.Write(p)
	}
	return h.w.Write(p)
}

// runOutput is what the run itself prints (its trace, a guest's output):
// it opens the held header first.
type runOutput struct{ h *heldWriter }

func (r runOutput) Write(p []byte) (int, error) {
	r.h.open()
	return r.h.Write(p)
}

// open writes what was held and lets every later write through.
func (h *heldWriter) open() {
	if !h.opened {
		h.opened = true
		h.w.Write(h.held.Bytes())
		h.held.Reset()
	}
}

// unknownNodes lists the names of want that none of nodes has.
func unknownNodes(want []string, nodes []scenarios.NodeStats) []string {
	var missing []string
	for _, w := range want {
		if !slices.ContainsFunc(nodes, func(n scenarios.NodeStats) bool { return n.Name == w }) {
			missing = append(missing, w)
		}
	}
	return missing
}
