package mapreducecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "mapreduce/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "mapreduce/*") }
