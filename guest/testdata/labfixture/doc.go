// Package labfixture is a test fixture for simlab's guest backend (package
// github.com/simlab-go/simlab/guest), which runs unmodified Go test
// binaries built for GOOS=wasip1 GOARCH=wasm under a virtual clock.
//
// It imitates a distributed-systems course lab in the style of MIT 6.5840:
// a harness (labrpc.go, config.go) and a "student's" system (raft.go,
// kvserver.go, client.go), written for this fixture, standard library only.
// The traits it gives the backend to handle:
//
//   - an in-process RPC network: requests travel over channels to a network
//     goroutine, each is handled in a goroutine of its own, and an
//     unreliable network draws delays (short ones, and now and then long
//     ones) and losses with the top-level math/rand functions; disabled
//     links (partitions) lose requests, and a lost call returns false after
//     a random timeout;
//   - a tester that calls signal.Notify (SIGINT and SIGQUIT print the
//     cluster's state), waits in time.Sleep polling loops, and fails a test
//     that runs past 120 seconds, as measured by time.Since;
//   - a replicated service built from goroutines, sync.Mutex, sync.Cond,
//     time.NewTimer and select: Raft leader election with randomized
//     timeouts, heartbeats, a log committed by a majority and an applier
//     goroutine feeding applyCh, with a key/value service on top;
//   - clerks that retry without sleeping, server after server, while there
//     is no leader (TestBusyClerks: work done while nothing sleeps must
//     cost virtual time, or the test never ends);
//   - client ids drawn from crypto/rand;
//   - a planted bug in the student's code: RequestVote checks the vote
//     and records it in two critical sections with a blocking channel
//     send between them, so a peer can vote twice in one term and two
//     leaders can win the same term.
//
// TestInitialElection and TestReElection mostly sleep. TestBusyClerks
// computes through its leaderless stretches (about a second of its four
// virtual seconds is work). TestUnreliableAgreement (a cluster of three on an
// unreliable network, partitioned and healed at random) is the test that
// catches the planted bug: it fails with "two leaders in term T: A and B"
// (or, possibly, an apply mismatch) at a few percent of seeds under the
// backend (14 of seeds 1-200 when this was written, the first at seed 5),
// and about one run in ten natively. The other tests pass at every seed.
//
// Run natively with go test, or under the backend after building with
// GOOS=wasip1 GOARCH=wasm go test -c.
package labfixture
