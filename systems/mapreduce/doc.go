// Package mapreduce is MapReduce as in Dean and Ghemawat's paper (OSDI 2004),
// written as simlab nodes: a coordinator (the paper's master), workers, and
// a storage node standing in for the distributed file system.
//
// A job is a pair of plain Go functions, Map(filename, contents) and
// Reduce(key, values), with an optional combiner, registered under a name
// (see [Job] and [Register]); word count ("wc", with a combiner) and an
// inverted index ("indexer") ship with the package. The functions must be
// deterministic and must not keep state between calls: a task may run
// several times, and every run must produce the same output. Keys and
// values must not hold newlines (outputs are "key value" lines).
//
// # How a job runs
//
// Inputs live on the storage node, one file per map task (the paper's input
// split). Idle workers ask the coordinator for work ([TaskReq]). The
// coordinator hands out map tasks until every map task is done, then the R
// reduce tasks, and tells workers to exit once every reduce output is
// committed. A map worker reads its split from storage, runs Map, partitions
// the pairs by [Partition] (FNV-1a of the key, modulo R) and keeps the R
// parts on its own disk. A reduce worker fetches its part from every map
// worker ([FetchReq]), sorts by key, runs Reduce and commits its output
// atomically: it writes a temporary file that no one else uses, then asks
// storage to rename it to mr-out-R. So a crashed or slow duplicate can never
// leave a partial output, and a second commit replaces the output with the
// same bytes. The output format is one "key value" line per key, in key
// order, which is what [Sequential], the reference implementation, produces
// too.
//
// # Failures (section 3.3 of the paper)
//
//   - The coordinator pings every worker it knows. A worker that has not been
//     heard from for WorkerTimeout is marked failed: its tasks in progress go
//     back to idle, and so do its completed map tasks, whose output lived on
//     its disk. Completed reduce tasks are never redone: their output is on
//     storage.
//   - A worker's incarnation number is kept on its disk and raised at every
//     start. Intermediate files are named by incarnation, and a restarted
//     worker serves none of its predecessor's: a crash loses the map output,
//     as a machine failure does in the paper. When the coordinator hears
//     from a newer incarnation of a worker it handles the old one as failed
//     at once; messages from older incarnations still in flight are ignored.
//   - A task not reported done within TaskTimeout (10 s by default) is handed
//     out again, whoever holds it. Any copy may finish; the first completion
//     wins and later ones are ignored.
//   - A reducer that cannot fetch a part asks the coordinator where that map
//     output is now ([LocateReq]). If the map task is being re-executed, the
//     reducer hands its task back and asks for work: reduce tasks are only
//     handed out while every map task is done, so a re-execution can never
//     wait for workers that all wait on it.
//   - Every request is retried on a timer and every handler is idempotent,
//     so message loss, duplication and reordering cost time, not correctness.
//   - The coordinator keeps only its epoch on disk (the high bits of every
//     attempt number, so attempts stay unique across its restarts). A
//     restarted coordinator asks storage which outputs are committed
//     ([ListReq]), marks those reduce tasks done and runs everything else
//     again: the map outputs' locations were only in its memory. The paper
//     leaves master failure to the user; this costs a few messages.
//
// # Backup tasks (section 3.6)
//
// With backups on, once every task of a phase has been handed out (its last
// wave), an idle worker is given a backup copy of a task that has run longer
// than BackupSlowness times the median duration of the phase's completed
// tasks (and at least BackupAfterMin), oldest first, one backup per task.
// Whichever copy finishes first is taken. Tasks that run as fast as their
// peers are never duplicated, so a run without stragglers executes every
// task exactly once.
//
// # CPU cost
//
// Under simlab's CPU model a task costs ComputePerKB of virtual CPU per KiB
// of its input (the split for a map, the fetched parts for a reduce), times
// the worker's Slowdown. The charge is paid in slices of at most
// 50 ms, so a busy worker still answers pings and fetches between
// slices, as a worker with a spare thread would. Parallelism, stragglers and
// backup tasks therefore show in the job's virtual completion time.
//
// The package imports only sim/node and the standard library and follows
// the determinism rules of DESIGN.md section 13.
package mapreduce
