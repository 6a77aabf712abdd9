package raftcat

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
)

// generic is one scenario of the catalogue that runs on any Impl.
type generic struct {
	name    string // after the implementation's prefix
	summary string // "raft/" in it stands for the implementation's prefix
	params  []scenarios.Param
	run     func(c *scenarios.Case, impl Impl)
	fixed   string // scenarios.Scenario.FixedFaults
	// strategy, when set, is why it takes the default strategy only
	// (scenarios.Scenario.FixedStrategy): a bound on time, bytes or counts
	// that messages held back by another strategy would break.
	strategy string
}

// catalogue lists the generic scenarios.
func catalogue() []generic {
	var all []generic
	for _, part := range [][]generic{agreeScenarios(), electionScenarios(), persistScenarios(), snapshotScenarios(), swarmScenarios()} {
		all = append(all, part...)
	}
	return all
}

// Names returns the suffixes of the generic scenarios ("basic-agree",
// "figure8", …): what Register adds under an implementation's prefix.
func Names() []string {
	var names []string
	for _, g := range catalogue() {
		names = append(names, g.name)
	}
	return names
}

// Register registers every generic scenario for impl, named impl.Name/…,
// so that simrun, sweeps and scenariotest.EveryScenario run them. It
// panics on an incomplete Impl or a name already taken, which any test
// catches.
func Register(impl Impl) {
	for _, s := range Scenarios(impl) {
		scenarios.Register(s)
	}
}

// Scenarios returns the generic scenarios for impl without registering
// them: what a test runs against a broken variant of an implementation
// (with scenarios.RunScenario), which must not join the catalogue.
func Scenarios(impl Impl) []scenarios.Scenario {
	if impl.Name == "" || impl.New == nil {
		panic(fmt.Sprintf("raftcat: an Impl needs a Name and New: %+v", impl))
	}
	if impl.LeadIn == nil {
		impl.LeadIn = func(int) int { return 0 }
	}
	title := impl.Title
	if title == "" {
		title = impl.Name
	}
	var list []scenarios.Scenario
	for _, g := range catalogue() {
		g := g
		summary := strings.ReplaceAll(g.summary, "raft/", impl.Name+"/")
		if impl.Name != "raft" {
			summary = title + ": " + summary
		}
		list = append(list, scenarios.Scenario{
			Name:          impl.Name + "/" + g.name,
			Summary:       summary,
			Params:        g.params,
			Run:           func(c *scenarios.Case) { g.run(c, impl) },
			FixedFaults:   g.fixed,
			FixedStrategy: g.strategy,
		})
	}
	return list
}
