package mapreduce

import "github.com/simlab-go/simlab/sim/node"

// The states of a MapReduce job worth reaching, for coverage (node.Mark).
var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markStaleIncarnation = node.NewMark("mapreduce/stale-incarnation-ignored",
		"the coordinator ignored a message from an older incarnation of a worker that had restarted")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWorkerRestarted = node.NewMark("mapreduce/worker-restart-seen",
		"the coordinator heard from a new incarnation of a worker and gave up what the old one held")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWorkerSilent = node.NewMark("mapreduce/worker-marked-failed",
		"the coordinator marked a silent worker failed")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWorkerBack = node.NewMark("mapreduce/failed-worker-back",
		"a worker marked failed was heard from again")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markMapRerun = node.NewMark("mapreduce/completed-map-rerun",
		"a completed map task went back to idle because its output was on a lost worker")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markTaskTimedOut = node.NewMark("mapreduce/attempt-timed-out",
		"an attempt not reported within TaskTimeout was handed out again")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markBackup = node.NewMark("mapreduce/backup-handed-out",
		"a backup copy of a slow task was handed out")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markLateCompletion = node.NewMark("mapreduce/late-completion-ignored",
		"a second copy of a task reported completion after the first: it was ignored")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRetriedRequest = node.NewMark("mapreduce/task-request-retried",
		"a worker asked again for the task it was already given, and got the same answer")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markCoordinatorRecovered = node.NewMark("mapreduce/coordinator-recovered",
		"a restarted coordinator learned the committed outputs from storage")
)
