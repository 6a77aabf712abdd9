package simrun

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
)

// minimize runs -minimize: it shrinks the failing run, printing each step,
// then the smallest case, its replay command and the ratios; with
// -minimize-out it writes the case as a regression test. Exit status 0
// when a case was found (smaller or not), 2 when the seed given passes
// (there is nothing to minimize: the input names no failure), 1 when the
// run could not be made.
func minimize(c *config, stdout, stderr io.Writer) int {
	s := c.selected[0]
	// The header waits for the first step: a seed that passes prints
	// nothing but the error.
	headed := false
	head := func() {
		if !headed {
			headed = true
			fmt.Fprintf(stdout, "minimizing %s seed %d\n", s.Name, c.seed)
		}
	}
	m, err := scenarios.Minimize(s, c.seed, c.opts, func(step string) { head(); fmt.Fprintf(stdout, "  %s\n", step) })
	if err != nil {
		if ue, ok := err.(*scenarios.UsageError); ok {
			fmt.Fprintf(stderr, "%s: %v\n", c.prog.name(), ue)
			return 2
		}
		head()
		fmt.Fprintf(stdout, "%v\n", err)
		return 1
	}
	head()
	fmt.Fprintf(stdout, "failure:  %s\n", m.Signature)
	what := "faults:  "
	if m.Fixed {
		what = "faults:   (the scenario's own)"
	}
	fmt.Fprintf(stdout, "%s %s\n", what, m.Faults)
	if len(m.Params) > 0 {
		fmt.Fprintf(stdout, "params:   %s\n", params(m.Params))
	}
	ratio := func(a, b int64) string {
		if a == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(b)/float64(a))
	}
	fmt.Fprintf(stdout, "before:   %s\n", m.Before)
	fmt.Fprintf(stdout, "after:    %s (actions ×%s, operations ×%s, events ×%s)\n", m.After,
		ratio(int64(m.Before.Actions), int64(m.After.Actions)), ratio(int64(m.Before.Operations), int64(m.After.Operations)), ratio(m.Before.Events, m.After.Events))
	fmt.Fprintf(stdout, "search:   %d runs in %v\n", m.Runs, m.Wall.Round(1e6))
	fmt.Fprintf(stdout, "replay:   %s\n", m.Replay)
	if c.minimizeOut != "" {
		pkg := packageOf(filepath.Dir(c.minimizeOut))
		if err := os.WriteFile(c.minimizeOut, []byte(m.RegressionTest(pkg)), 0o644); err != nil {
			fmt.Fprintf(stderr, "%s: -minimize-out: %v\n", c.prog.name(), err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote:    %s (package %s; it fails until the bug is fixed)\n", c.minimizeOut, pkg)
	}
	return 0
}

// packageOf is the package of the Go files in dir, so the regression
// test joins them; "regression" for a directory without any.
func packageOf(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(strings.TrimSpace(line), "package "); ok {
				return strings.TrimSuffix(strings.Fields(name)[0], "_test")
			}
		}
	}
	return "regression"
}
