package kvcat

import (
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

var kvServerNames = []string{"s0", "s1", "s2", "s3", "s4"}

// kvProperty draws a workload (clients, keys, the operation mix) and a
// fault schedule together (the schedule as a sequence of steps, with
// rapid's state machine), runs them on kv/swarm's cluster with servers of
// s, and requires linearizability and every client done after calm. A
// failure reports the kv/swarm command that replays it.
func kvProperty(s scenarios.Scenario) func(*rapid.T) {
	return func(t *rapid.T) {
		params := map[string]string{
			"clients": strconv.Itoa(rapid.IntRange(1, 5).Draw(t, "clients")),
			"keys":    strconv.Itoa(rapid.IntRange(1, 5).Draw(t, "keys")),
			"mix":     rapid.SampledFrom([]string{"mixed", "appends", "puts"}).Draw(t, "mix"),
		}
		sched := scenariotest.DrawFaultSteps(t, kvServerNames, kvSwarmFaultEnd)
		seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
		scenariotest.CheckRun(t, s, "kv/swarm", seed, scenarios.Options{Params: params, Faults: sched.String()})
	}
}

func kvSwarmOf(server kvServer) scenarios.Scenario {
	own, _ := scenarios.Lookup("kv/swarm")
	s := own
	s.Name = "broken-kv/swarm"
	s.Run = func(c *scenarios.Case) { runKVSwarm(c, server) }
	return s
}

// TestRapidKVStaysLinearizable: no drawn workload and schedule breaks the
// key/value store.
func TestRapidKVStaysLinearizable(t *testing.T) {
	own, _ := scenarios.Lookup("kv/swarm")
	rapid.Check(t, kvProperty(own))
}

// FuzzKVSchedules is the same property driven by go test -fuzz; the seed
// corpus is in testdata/fuzz/FuzzKVSchedules.
func FuzzKVSchedules(f *testing.F) {
	own, _ := scenarios.Lookup("kv/swarm")
	f.Fuzz(rapid.MakeFuzz(kvProperty(own)))
}

// TestRapidShrinksTheNoDedupBug: the property catches servers without
// duplicate detection and shrinks the case to a handful of fault actions,
// whose replay command fails the same way.
func TestRapidShrinksTheNoDedupBug(t *testing.T) {
	broken := kvSwarmOf(noDedupServer)
	got := scenariotest.Counterexample(t, 100, 5*time.Second, kvProperty(broken))
	t.Logf("rapid shrank it to %d actions (%s), minimization to %d: %s\n%s", scenariotest.Actions(got.Rapid), got.Rapid,
		scenariotest.Actions(got.Schedule), got.Schedule, got.Report)
	if n := scenariotest.Actions(got.Schedule); n > 5 {
		t.Errorf("shrunk to %d fault actions; want at most 5", n)
	}
}

// TestFuzzKVSchedulesCorpus: every seed input of FuzzKVSchedules under
// testdata/fuzz makes a real run (go test runs them too, but skips an
// input that is too short without a word).
func TestFuzzKVSchedulesCorpus(t *testing.T) {
	own, _ := scenarios.Lookup("kv/swarm")
	scenariotest.FuzzCorpus(t, "FuzzKVSchedules", kvProperty(own))
}
