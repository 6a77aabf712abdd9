package raftcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestSearchFindsAStaleVote: a coverage-guided search (scenarios.Search)
// of raft/swarm finds a Raft that counts a stale vote within 300 runs, and
// the schedule it found passes with the correct Raft. With
// SIMLAB_SEARCH_TRIALS set it measures runs to a first failure of plain
// seeds, the search, and rapid's property, over raft/swarm and
// raft/quick-reboot.
func TestSearchFindsAStaleVote(t *testing.T) {
	broken := staleVote()
	reboot := scenarios.Scenario{Name: "broken-raft/quick-reboot", Run: func(c *scenarios.Case) { runQuickReboot(c, broken, nil) }}
	swarm := staleVoteSwarm()
	res, err := scenarios.Search(swarm, scenarios.SearchOptions{Runs: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found == nil {
		t.Fatalf("the search found nothing in %d runs (corpus %d, %d features)", res.Runs, res.Corpus, res.Features)
	}
	t.Logf("the search failed run %d: %s: %.200s", res.FoundAt, res.Found.Failures[0].Kind, res.Found.Failures[0].Msg)
	// The schedule the search gave the run (a failing run applies only
	// what came before its failure).
	if good, err := scenarios.Run("raft/swarm", res.Found.Seed, scenarios.Options{Faults: res.Found.Options.Faults}); err != nil || !good.Passed {
		t.Fatalf("the correct Raft fails the schedule the search found too: %v %+v", err, good.Failures)
	}
	for _, s := range []scenarios.Scenario{swarm, reboot} {
		scenariotest.LogSearchTrials(t, s, 300, scenarios.Options{})
	}
	if scenariotest.SearchTrials(t) > 0 {
		// The fuzz target's property (rapid drawing crashes, pauses,
		// partitions and loss for raft/swarm) on the same Raft.
		n := scenariotest.RapidRunsToFailure(t, 300, swarmProperty(swarm))
		t.Logf("rapid's property over raft/swarm: first failure at case %d (0: none of 300)", n)
	}
}
