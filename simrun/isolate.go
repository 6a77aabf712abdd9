package simrun

import (
	"encoding/json"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/simrun/internal/isolate"
)

// A sweep runs each run in a worker process (package isolate): a copy of
// the program that reads the sweep's setup and then jobs, and writes each
// run's result. A run that hangs past -run-timeout, or kills its process,
// is recorded with its stacks or last words, and the sweep goes on.

// workerSetup is what every worker of a sweep is started with.
type workerSetup struct {
	Options     scenarios.Options `json:"options"`
	Determinism bool              `json:"determinism"`
	// HTMLDir, when set, is where a failing run's report is written.
	HTMLDir string `json:"html_dir,omitempty"`
	// Guest, with -pkg, is the package whose tests are the scenarios.
	Guest *guestSetup `json:"guest,omitempty"`
}

// lookup is the scenario a job names: one of the package's tests with
// -pkg, a registered scenario otherwise.
func (s workerSetup) lookup(name string) (scenarios.Scenario, bool) {
	if s.Guest != nil {
		return s.Guest.lookup(name)
	}
	return scenarios.Lookup(name)
}

// ServeIfWorker turns the process into a sweep's worker if it was started
// as one, and never returns then; otherwise it returns at once. Main calls
// it; a test binary that runs sweeps through Program.Run calls it from
// TestMain.
func ServeIfWorker() { isolate.ServeIfWorker(runJob) }

// newPool is the pool a sweep's runs go through.
func newPool(c *config, setup workerSetup) *isolate.Pool[workerSetup, job, result] {
	return &isolate.Pool[workerSetup, job, result]{
		Setup: setup, Run: runJob, Isolated: c.isolate, Timeout: c.runTimeout,
		LostResult: func(j job, l isolate.Lost) result { return lostRun(j, l.How, l.Evidence) },
		Stacks:     scenarioStacks,
	}
}

// A job crosses to a worker as {"scenario": ..., "seed": ...}.
func (j job) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Scenario string `json:"scenario"`
		Seed     uint64 `json:"seed"`
	}{j.scenario, j.seed})
}

func (j *job) UnmarshalJSON(b []byte) error {
	var v struct {
		Scenario string `json:"scenario"`
		Seed     uint64 `json:"seed"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	j.scenario, j.seed = v.Scenario, v.Seed
	return nil
}

// scenarioStacks keeps, of a goroutine dump, the goroutines whose stacks
// pass through a scenario run (the stuck one), or the whole dump if none
// does.
func scenarioStacks(dump string) string {
	var keep []string
	for _, g := range strings.Split(dump, "\n\n") {
		if strings.Contains(g, "scenarios.runOnce") || strings.Contains(g, "sim.(*World)") {
			keep = append(keep, strings.TrimSpace(g))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(dump)
	}
	return strings.Join(keep, "\n\n")
}
