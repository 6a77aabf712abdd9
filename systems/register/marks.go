package register

import "github.com/simlab-go/simlab/sim/node"

// The states of the replicated register worth reaching, for coverage
// (node.Mark).
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDivergentQuery = node.NewMark("register/query-saw-divergent-replicas",
		"a query phase heard different tags from the replicas, so what it writes back matters")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markOlderStore = node.NewMark("register/older-store-acknowledged",
		"a replica acknowledged a store of a tag older than its own without applying it")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRetry = node.NewMark("register/phase-retried",
		"a client re-sent a phase to the replicas that had not answered in time")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRecovered = node.NewMark("register/replica-recovered",
		"a restarted replica recovered its tag and value from disk")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLateAnswer = node.NewMark("register/late-answer-ignored",
		"a client ignored an answer that arrived after its phase had a majority")
)
