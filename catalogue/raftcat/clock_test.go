package raftcat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
)

// TestClockRateBound runs raft/clock-rates on both sides of its bound:
// inside it (the followers' clocks twice as fast as the leader's) the
// leader keeps its term on every seed; past it (four times) it loses it on
// every seed, and only the stability check says so: clocks never touch
// safety.
func TestClockRateBound(t *testing.T) {
	tests := []struct {
		ratio    string
		wantFail bool
	}{
		{"200", false},
		{"250", false},
		{"400", true},
	}
	for _, tt := range tests {
		t.Run("ratio="+tt.ratio, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				out, err := scenarios.Run("raft/clock-rates", seed, scenarios.Options{Params: map[string]string{"ratio": tt.ratio}})
				if err != nil {
					t.Fatal(err)
				}
				if !tt.wantFail {
					if !out.Passed {
						t.Fatalf("seed %d: inside the bound, yet %+v", seed, out.Failures)
					}
					continue
				}
				if out.Passed {
					t.Fatalf("seed %d: past the bound, yet the leader kept its term for 10 s", seed)
				}
				for _, f := range out.Failures {
					if f.Kind != "check" || !strings.Contains(f.Msg, "a follower's election timeout ran out between heartbeats") {
						t.Fatalf("seed %d: past the bound only the stability check may fail; got %s: %s", seed, f.Kind, f.Msg)
					}
				}
			}
		})
	}
}

func TestClockRates(t *testing.T) {
	for _, tt := range []struct{ ratio, leader, follower float64 }{
		{1, 0, 0}, {2, -1.0 / 3, 1.0 / 3}, {3, -0.5, 0.5}, {4, -0.5, 1},
	} {
		l, f := clockRates(tt.ratio)
		if d := l - tt.leader; d > 1e-9 || d < -1e-9 {
			t.Errorf("ratio %v: leader drift %v, want %v", tt.ratio, l, tt.leader)
		}
		if d := f - tt.follower; d > 1e-9 || d < -1e-9 {
			t.Errorf("ratio %v: follower drift %v, want %v", tt.ratio, f, tt.follower)
		}
		if got := (1 + f) / (1 + l); got-tt.ratio > 1e-9 || tt.ratio-got > 1e-9 {
			t.Errorf("ratio %v: rates %v/%v make a ratio of %v", tt.ratio, 1+f, 1+l, got)
		}
	}
}
