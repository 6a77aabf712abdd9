package simrun

import (
	"fmt"
	"io"

	"github.com/simlab-go/simlab/scenarios"
)

// search runs -search: a coverage-guided search of one scenario from the
// plain seeds of -seeds (scenarios.Search), printing each run that joins
// the corpus and the first failure with its replay command. Exit status 1
// when a run failed (it is the failure a sweep would report), 0 when
// none did within the budget, 2 for bad input.
func search(c *config, stdout, stderr io.Writer) int {
	s := c.selected[0]
	plain := int(c.seeds.last - c.seeds.first + 1)
	fmt.Fprintf(stdout, "searching %s: plain seeds %d-%d, then mutations of the runs that reach new coverage, %d runs at most\n",
		s.Name, c.seeds.first, c.seeds.last, c.search)
	res, err := scenarios.Search(s, scenarios.SearchOptions{
		Runs: c.search, Seeds: plain, FirstSeed: c.seeds.first, Seed: c.seeds.first, Options: c.opts,
		Log: func(step string) { fmt.Fprintf(stdout, "  %s\n", step) },
	})
	if err != nil {
		if ue, ok := err.(*scenarios.UsageError); ok {
			fmt.Fprintf(stderr, "%s: %v\n", c.prog.name(), ue)
			return 2
		}
		fmt.Fprintf(stdout, "%v\n", err)
		return 1
	}
	summary := fmt.Sprintf("%d runs in %v; corpus %d runs, %d coverage features", res.Runs, res.Wall.Round(1e6), res.Corpus, res.Features)
	if res.Found == nil {
		fmt.Fprintf(stdout, "nothing failed: %s\n", summary)
		return 0
	}
	f := res.Found
	fmt.Fprintf(stdout, "found:    run %d, seed %d: %s: %s\n", res.FoundAt, f.Seed, f.Failures[0].Kind, f.Failures[0].Msg)
	if f.Options.Faults != "" {
		fmt.Fprintf(stdout, "faults:   %s\n", f.Options.Faults)
	} else {
		fmt.Fprintf(stdout, "faults:   (the scenario's own) %s\n", f.Faults)
	}
	fmt.Fprintf(stdout, "searched: %s\n", summary)
	fmt.Fprintf(stdout, "replay:   %s\n", f.Replay)
	return 1
}
