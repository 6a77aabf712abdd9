// Package scenarios is the framework of simlab's named scenarios: the
// registry, the Case a scenario drives its worlds through, Run and its
// Outcome, fault schedules and swarm profiles. The scenarios themselves live
// in catalogues, one package per system (see package catalogue), which
// register them from init; an outside module registers its own the same
// way. Package simrun is the command line over it.
//
// A scenario is a name ("register/swarm"), a one-line summary and a run
// function that builds a cluster in a sim.World, drives a workload, applies
// a fault schedule and checks the outcome. Run(name, seed, options) runs one
// and returns an Outcome: pass or fail, the failures with the command that
// replays each, the fingerprint and the statistics.
//
// Fault schedules are data (Schedule, a list of timed Actions) that print
// and parse, so a schedule drawn from a seed can be shown, saved, edited and
// replayed with simrun -faults. Swarm profiles draw which faults are on, and
// how hard, from the seed itself, so a sweep over seeds also sweeps fault
// mixes. What each operation means lives in package faults, one entry per
// operation; this package binds schedules to a scenario's worlds (Case.Apply,
// Case.Fault, Case.Role), records what took place, and shrinks a failing
// run's schedule (Minimize) with each operation's own shrinks.
package scenarios
