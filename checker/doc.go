// Package checker judges runs: invariant checkers that watch a system's
// state after every event, and (to come) histories checked for
// linearizability.
//
// Checkers work on plain views of a system's state rather than on the
// system's types, so each can be tested on hand-built states that break
// exactly the property it guards, and so one checker serves every
// implementation of an algorithm.
package checker
