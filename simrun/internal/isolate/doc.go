// Package isolate runs jobs in worker processes, so that a job that hangs
// or kills its process is recorded and the rest go on. A worker is a copy
// of the program started with SIMLAB_SIMRUN_WORKER=1: it reads a setup and
// then jobs on its standard input and writes one result per job on file
// descriptor 3, all as JSON values. A job past its time limit is asked for
// its goroutines' stacks (SIGQUIT, which makes the Go runtime print them
// and exit) and its worker replaced; a job that kills its process (a fatal
// error, running out of memory, an os.Exit in a dependency) is recorded
// with what the process said, and a new worker takes the next job. That is
// what Go's fuzzer does with its inputs, for the same reasons: a job that
// loops forever cannot be stopped in-process, and one that kills the
// process would take every other job with it.
//
// The package knows nothing of scenarios: a Pool is generic over the
// setup, job and result types, and the caller says how to run a job and
// how to make the result of a lost one. It also runs jobs in-process, for
// when isolation is off, abandoning a hung one.
package isolate
