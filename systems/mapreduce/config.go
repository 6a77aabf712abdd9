package mapreduce

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Default timing, in virtual time.
const (
	// DefaultTaskTimeout is how long a task may stay unreported before it
	// is handed out again.
	DefaultTaskTimeout = 10 * time.Second
	// DefaultPingInterval is how often the coordinator pings each worker.
	DefaultPingInterval = 500 * time.Millisecond
	// DefaultWorkerTimeout is how long a worker may stay silent before the
	// coordinator marks it failed.
	DefaultWorkerTimeout = 2 * time.Second
	// DefaultBackupSlowness is how many times the median duration of a
	// phase's completed tasks a task must have run to get a backup copy.
	DefaultBackupSlowness = 2.0
	// DefaultBackupAfterMin is the least a task must have run to get one.
	DefaultBackupAfterMin = 100 * time.Millisecond
	// DefaultRetryInterval is how long a worker waits for an answer before
	// sending a request again.
	DefaultRetryInterval = 200 * time.Millisecond
	// DefaultPollInterval is how long a worker told to wait waits before
	// asking for work again.
	DefaultPollInterval = 50 * time.Millisecond
	// computeSlice is the most CPU a worker charges in one handler call, so
	// that it answers pings and fetches while a long task runs.
	computeSlice = 50 * time.Millisecond
)

// CoordinatorConfig configures the coordinator of one job.
type CoordinatorConfig struct {
	// Job is the registered job's name.
	Job string
	// Inputs are the input files on storage, one map task each, in order.
	Inputs []string
	// NReduce is the number of reduce tasks, R.
	NReduce int
	// Storage is the storage node, which a restarted coordinator asks for
	// the outputs committed so far.
	Storage node.ID
	// TaskTimeout, PingInterval and WorkerTimeout default to the Default
	// constants when zero.
	TaskTimeout   time.Duration
	PingInterval  time.Duration
	WorkerTimeout time.Duration
	// BackupTasks turns on backup copies of slow tasks at the end of each
	// phase (see the package documentation); BackupSlowness and
	// BackupAfterMin tune when a task counts as slow.
	BackupTasks    bool
	BackupSlowness float64
	BackupAfterMin time.Duration
	// Bugs plants deliberate bugs, for tests showing that the scenario
	// catalogue catches them. Leave it zero.
	Bugs CoordinatorBugs
}

// CoordinatorBugs are deliberate coordinator bugs.
type CoordinatorBugs struct {
	// KeepLostMaps keeps a failed worker's completed map tasks done,
	// although their output died with the worker.
	KeepLostMaps bool
	// DoneWhenAssigned declares the job done once every reduce task has
	// been handed out, instead of once every output is committed.
	DoneWhenAssigned bool
	// NoFailureDetector never marks a silent worker failed: only a
	// restart (a newer incarnation) or a task timeout reveals a loss.
	NoFailureDetector bool
	// TrustStaleIncarnations takes messages from an older incarnation of
	// a worker for the current one's.
	TrustStaleIncarnations bool
}

func (c *CoordinatorConfig) setDefaults() {
	if c.TaskTimeout <= 0 {
		c.TaskTimeout = DefaultTaskTimeout
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.WorkerTimeout <= 0 {
		c.WorkerTimeout = DefaultWorkerTimeout
	}
	if c.BackupSlowness <= 0 {
		c.BackupSlowness = DefaultBackupSlowness
	}
	if c.BackupAfterMin <= 0 {
		c.BackupAfterMin = DefaultBackupAfterMin
	}
}

// WorkerConfig configures a worker.
type WorkerConfig struct {
	Coordinator node.ID
	Storage     node.ID
	// ComputePerKB is the virtual CPU a task costs per KiB of input (the
	// split for a map task, the fetched parts for a reduce task). It only
	// shows when the runtime models CPU.
	ComputePerKB time.Duration
	// Slowdown multiplies the worker's CPU charges: 10 makes a straggler.
	// Zero means 1.
	Slowdown float64
	// RetryInterval and PollInterval default to the Default constants.
	RetryInterval time.Duration
	PollInterval  time.Duration
	// Bugs plants deliberate bugs. Leave it zero.
	Bugs WorkerBugs
}

// WorkerBugs are deliberate worker bugs.
type WorkerBugs struct {
	// DirectCommit writes a reduce output straight to its final name, in
	// two pieces, instead of renaming a finished temporary file.
	DirectCommit bool
	// VolatileIncarnation does not sync the incarnation number before
	// talking, so a crash can make a restarted worker reuse it.
	VolatileIncarnation bool
	// WaitForReexecution makes a reducer wait for a map task being
	// re-executed instead of handing its own task back.
	WaitForReexecution bool
}

func (c *WorkerConfig) setDefaults() {
	if c.Slowdown <= 0 {
		c.Slowdown = 1
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
}

// cost is the CPU a task over n bytes of input costs this worker.
func (c *WorkerConfig) cost(n int) time.Duration {
	return time.Duration(float64(n) / 1024 * float64(c.ComputePerKB) * c.Slowdown)
}
