// Package scenarios holds simlab's named scenarios and runs them.
//
// A scenario is a name ("register/swarm"), a one-line summary and a run
// function that builds a cluster in a sim.World, drives a workload, applies
// a fault schedule and checks the outcome. Run(name, seed, options) runs one
// and returns an Outcome: pass or fail, the failures with the command that
// replays each, the fingerprint and the statistics. cmd/simrun is a thin
// shell around this package.
//
// Fault schedules are data (Schedule, a list of timed Actions) that print
// and parse, so a schedule drawn from a seed can be shown, saved, edited and
// replayed with simrun -faults. Swarm profiles draw which faults are on, and
// how hard, from the seed itself, so a sweep over seeds also sweeps fault
// mixes.
package scenarios
