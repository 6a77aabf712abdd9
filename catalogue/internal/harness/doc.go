// Package harness is what the catalogues' harnesses share, so that a
// catalogue is its scenarios and the few lines that say what its cluster
// is, not a copy of a harness. One file per role:
//
//   - faults.go: a world and its fault schedule, bound once every node
//     exists (Case.Fault panics before Case.Apply), with the scenario's
//     unreliable network as actions at 0 s, the roles a schedule may name
//     and what a stuck run says (Faults);
//   - clients.go: client nodes c0, c1, … each embedding a system's clerk,
//     made afresh for every incarnation, with think timers and a history
//     of their operations (Clients, Client);
//   - log.go: which consensus log a replicated service runs on, Raft or
//     Paxos, as a scenario parameter (Log, LogParam);
//   - watch.go: the consensus invariants over that log after every event,
//     who leads, and where every server stands (Watch), and the checker's
//     view of a systems/raft log (RaftView);
//   - ballots.go: Paxos checked where a mistake starts, for every service
//     on Paxos peers (Ballots, feeding checker.Ballots);
//   - revealed.go: what a Raft server's messages revealed (its term, a
//     vote, acknowledged entries) held at its restarts, and every leader
//     elected by a majority of votes granted in its term, for the Raft
//     catalogue and every service on Raft (Revealed, feeding
//     checker.Revealed), and what a systems/raft message reveals
//     (RaftReveals);
//   - views.go: the view service's rules on every event, for its own
//     catalogue and the primary/backup one (ViewOracle).
//
// Everything here keeps a run as it was: nodes are added, random draws
// made and events scheduled exactly where a harness of its own would.
package harness
