package scenarios_test

import (
	"errors"
	"strings"
	"testing"

	_ "github.com/simlab-go/simlab/catalogue/registercat" // the scenarios these tests name
	"github.com/simlab-go/simlab/scenarios"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		opts     scenarios.Options
		want     string
	}{
		{"unknown scenario", "register/swram", scenarios.Options{}, "did you mean register/swarm"},
		{"unknown parameter", "register/basic", scenarios.Options{Params: map[string]string{"nodes": "3"}}, `has no parameter "nodes"`},
		{"bad parameter value", "register/basic", scenarios.Options{Params: map[string]string{"ops": "x"}}, "must be an integer"},
		{"bad schedule", "register/basic", scenarios.Options{Faults: "1s crash"}, "crash takes"},
		{"schedule naming a missing node", "register/basic", scenarios.Options{Faults: "1s crash s9"}, `names node "s9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenarios.Run(tt.scenario, 1, tt.opts)
			var ue *scenarios.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a *UsageError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		patterns string
		want     []string
		wantErr  string
	}{
		{"register/basic", []string{"register/basic"}, ""},
		{"register/s*", []string{"register/swarm"}, ""},
		{"register/swarm,register/b*", []string{"register/basic", "register/swarm"}, ""},
		{"nosuch/*", nil, "no scenario matches"},
		{"register/[", nil, "malformed"},
	}
	for _, tt := range tests {
		got, err := scenarios.Match(tt.patterns)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Match(%q) error = %v, want %q", tt.patterns, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name)
		}
		if strings.Join(names, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Match(%q) = %v, want %v", tt.patterns, names, tt.want)
		}
	}
}
