package shardkvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "shardkv/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "shardkv/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "shardkv/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "shardkv/*") }
