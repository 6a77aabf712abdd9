package kvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "kv/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "kv/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "kv/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "kv/*") }
