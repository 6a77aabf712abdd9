package registercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "register/*") }

func BenchmarkScenario(b *testing.B) { scenariotest.Benchmark(b, "register/*") }

// TestReplay runs 1,000 seeds twice: each seed must give the same
// fingerprint and statistics both times, and no two seeds the same
// fingerprint.
func TestReplay(t *testing.T) {
	seeds := uint64(1000)
	if testing.Short() {
		seeds = 100
	}
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= seeds; seed++ {
		a, err := scenarios.Run("register/swarm", seed, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := scenarios.Run("register/swarm", seed, scenarios.Options{})
		if a.Fingerprint != b.Fingerprint || a.Stats != b.Stats || a.Faults != b.Faults {
			t.Fatalf("seed %d: fingerprints %016x and %016x, stats %+v and %+v", seed, a.Fingerprint, b.Fingerprint, a.Stats, b.Stats)
		}
		if other, dup := seen[a.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %016x", other, seed, a.Fingerprint)
		}
		seen[a.Fingerprint] = seed
	}
}

func TestTracingDoesNotChangeTheRun(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		plain, _ := scenarios.Run("register/swarm", seed, scenarios.Options{})
		n := 0
		traced, _ := scenarios.Run("register/swarm", seed, scenarios.Options{Trace: func(sim.Record) { n++ }})
		if plain.Fingerprint != traced.Fingerprint {
			t.Fatalf("seed %d: fingerprint %016x untraced, %016x traced", seed, plain.Fingerprint, traced.Fingerprint)
		}
		if n < int(traced.Events) {
			t.Fatalf("seed %d: %d trace records for %d events", seed, n, traced.Events)
		}
	}
}
