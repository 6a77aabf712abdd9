// Package sim is simlab's deterministic discrete-event engine.
//
// A [World] owns virtual time, randomness, the network, every node's disk and
// every fault. One goroutine pops events from a queue ordered by (virtual
// time, a tie-break drawn from the seed, sequence number), advances the clock
// to the event and calls one node's handler (package node). So a run is a pure
// function of (seed, configuration, code): the same seed replays the same run
// on any machine, and two runs can be compared event by event through the
// fingerprint every World keeps.
//
// Randomness is split into independent streams: the scheduler's tie-breaks,
// the network draws of each sending node, the fault draws, and one stream per
// node incarnation (what Env.Rand returns). Adding a node or a fault type
// therefore does not reshuffle the draws of the rest of the run.
//
// What the engine models:
//
//   - network: per-link latency (minimum, uniform spread, long tail), loss,
//     duplication, reordering through latency, clogging a link for a
//     period, partitions of arbitrary groups, one-way cuts and named shapes
//     (isolate one, bridge, ring), healing; see [Network];
//   - node faults: crash (optionally inside a handler, keeping a random
//     prefix of its effects), restart from the factory over the same disk,
//     pause and resume, clock skew and drift;
//   - disk: writes volatile until Sync; a crash keeps synced data plus a
//     prefix of unsynced writes, the last possibly torn;
//   - CPU, optionally: each handler call costs virtual time and a node
//     handles its events one after another;
//   - message isolation, with a strict mode that round-trips every message
//     through encoding/gob and fails the run if it does not survive;
//   - statistics, a trace (off by default and free when off), a 64-bit
//     fingerprint, run budgets and failure values for panics, broken
//     invariants and exhausted budgets.
package sim
