// Package mapreducecat is the mapreduce/... catalogue: MapReduce (systems/mapreduce) with a storage
// node "fs", a coordinator "coord" and workers "w0", "w1", .... On every
// event two observers check that every committed output equals the
// reference output of its partition (never partial, doubled or stray), and
// that neither the coordinator declares the job done nor a worker exits
// before every reduce output is committed. At the end of every run the job
// must be done and every worker gone within the scenario's bound, and the
// merged output must equal the sequential reference implementation's.
//
// Faults hit workers and, in mapreduce/coordinator-crash and
// mapreduce/swarm, the coordinator, which recovers by asking storage for
// the committed outputs and re-running the rest. The storage node is never
// hit: it stands for a replicated file system.
//
// Import it for its side effect (init registers the scenarios); the
// catalogue package links it with every other.
package mapreducecat
