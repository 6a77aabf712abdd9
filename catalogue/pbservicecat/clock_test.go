package pbservicecat

import (
	"slices"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
)

// TestClockRateBound runs pbservice/clock-rates on both sides of its bound:
// inside it (85%, 100%) the old primary's belief in its place has ended
// when the view service replaces it, on every seed; beyond it (50%, 70%)
// the belief outlives the place on every seed, which the observer sees and
// the run reports, and the history stays linearizable.
func TestClockRateBound(t *testing.T) {
	for _, tt := range []struct {
		ratio   string
		overrun bool
	}{
		{"100", false},
		{"85", false},
		{"70", true},
		{"50", true},
	} {
		t.Run("ratio="+tt.ratio, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				out, err := scenarios.Run("pbservice/clock-rates", seed, scenarios.Options{Params: map[string]string{"ratio": tt.ratio}})
				if err != nil {
					t.Fatal(err)
				}
				if !out.Passed {
					t.Fatalf("seed %d: %+v", seed, out.Failures)
				}
				overran := slices.ContainsFunc(out.Notes, func(n string) bool { return strings.HasPrefix(n, "beyond the bound") })
				if overran != tt.overrun {
					t.Errorf("seed %d at %s%%: the belief outlived the place: %v, want %v (%q)", seed, tt.ratio, overran, tt.overrun, out.Notes)
				}
			}
		})
	}
}
