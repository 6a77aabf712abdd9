package paxos

import "github.com/simlab-go/simlab/sim/node"

// The states of Paxos worth reaching, for coverage (node.Mark).
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markPromiseRefused = node.NewMark("paxos/promise-refused",
		"an acceptor refused a prepare because it had promised a higher proposal")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markAcceptRefused = node.NewMark("paxos/accept-refused",
		"an acceptor refused an accept because it had promised a higher proposal since")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markAdoptedAccepted = node.NewMark("paxos/adopted-accepted-value",
		"a proposer took up another proposer's accepted value instead of its own")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLearnedByProposing = node.NewMark("paxos/learned-by-proposing",
		"a proposer learned an instance's decision from an acceptor that knew it")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markDecidedHere = node.NewMark("paxos/decided-by-own-round",
		"a proposer's round got a majority of acceptances")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRoundToAll = node.NewMark("paxos/round-to-all-peers",
		"a proposer retried an instance with a higher proposal to every peer")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markForgotten = node.NewMark("paxos/instances-forgotten",
		"instances below Min were freed")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRestartWithState = node.NewMark("paxos/restart-with-state",
		"a restarted peer rebuilt its acceptor state from its disk")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markTornTail = node.NewMark("paxos/torn-tail-dropped",
		"a restarted peer found a torn record at the end of its file and dropped it")
)
