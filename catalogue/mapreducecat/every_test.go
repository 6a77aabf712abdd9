package mapreducecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "mapreduce/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "mapreduce/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "mapreduce/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "mapreduce/*") }
