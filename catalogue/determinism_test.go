package catalogue_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	_ "github.com/simlab-go/simlab/catalogue"
	"github.com/simlab-go/simlab/scenarios"
)

// TestFingerprintIndependentOfEarlierRuns: a run's fingerprint is a
// function of its scenario and seed, not of what ran before it in the
// process. Seed 4 of shardkv/concurrent-restarts, run after seeds 1-3,
// must give what it gives alone in a fresh process; before gob's type ids
// were fixed at initialization (systems/internal/gobwarm) it did not: a
// snapshot's size depended on the order earlier runs first encoded types.
func TestFingerprintIndependentOfEarlierRuns(t *testing.T) {
	const scenario, seed = "shardkv/concurrent-restarts", 4
	if os.Getenv("SIMLAB_FINGERPRINT_ALONE") != "" {
		out, err := scenarios.Run(scenario, seed, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("fingerprint=%x\n", out.Fingerprint)
		return
	}
	for s := uint64(1); s < seed; s++ {
		if _, err := scenarios.Run(scenario, s, scenarios.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := scenarios.Run(scenario, seed, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFingerprintIndependentOfEarlierRuns$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SIMLAB_FINGERPRINT_ALONE=1")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the run alone: %v\n%s", err, b)
	}
	want := fmt.Sprintf("fingerprint=%x", after.Fingerprint)
	if !strings.Contains(string(b), want) {
		t.Fatalf("%s seed %d after seeds 1-%d has %s; alone in a fresh process:\n%s", scenario, seed, seed-1, want, b)
	}
}
