package shardctrlercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "shardctrler/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "shardctrler/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "shardctrler/*") }
func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "shardctrler/*") }
