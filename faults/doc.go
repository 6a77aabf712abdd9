// Package faults is where simlab's fault operations live: the text form of
// a fault schedule (Action, Schedule, Parse), and one entry per operation
// (Op) that holds everything the operation means: its name and argument
// grammar, how each argument is checked and which nodes it names, whether
// it takes a node down or brings one back, how it acts on a sim.World, how
// it shrinks, what a swarm profile draws of it and which coverage fault
// kind it makes active.
//
// Every other part of simlab reads operations from this table: package
// scenarios binds a scenario's schedule to its worlds (adding roles such as
// "leader" and recording what took place), its minimizer shrinks schedules
// with each op's shrinks, swarm profiles draw from the ops that declare a
// Swarm, and simrun prints and parses schedules through Parse and String.
// Adding an operation is one Register call (or one entry of the built-in
// table) plus, if the World cannot do it yet, the sim method it calls.
//
// The text form is "AT OP ARGS..." per action, actions joined by "; ", and
// the schedules of several worlds joined by " / ":
//
//	1.5s crash s1; 2s restart s1; 3s partition s0,s1|s2,s3,s4 / none
package faults
