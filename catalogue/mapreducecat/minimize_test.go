package mapreducecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

// TestMinimizeBrokenVariants shrinks the first failing run of each broken
// variant of broken_test.go.
func TestMinimizeBrokenVariants(t *testing.T) {
	for _, b := range mrBugs() {
		t.Run(b.bug, func(t *testing.T) {
			scenariotest.Minimizes(t, b.bug, brokenMR(t, b.scenario, b.tweak), b.first, scenarios.Options{})
		})
	}
}
