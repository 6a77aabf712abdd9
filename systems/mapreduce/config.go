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
