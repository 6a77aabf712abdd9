package checker

import (
	"strings"
	"testing"
)

// TestShardOwner feeds the checker hand-built configurations and answers:
// each answer by the group its configuration names passes, whatever came
// before it; an answer by any other group, in a configuration that gives
// the shard elsewhere or to no one or was never given out, fails.
func TestShardOwner(t *testing.T) {
	// Two shards: configuration 1 gives both to group 1, 2 moves shard 1
	// to group 2, 3 moves it back, 4 gives shard 0 to no group.
	configs := [][]int{{0, 0}, {1, 1}, {1, 2}, {1, 1}, {0, 1}}
	type answer struct{ gid, config, shard int }
	tests := []struct {
		name    string
		answers []answer
		want    string // in the last answer's error; "" for none
	}{
		{"the owner throughout", []answer{{1, 1, 0}, {1, 1, 1}, {1, 2, 0}, {1, 3, 1}}, ""},
		{"a move to a later configuration", []answer{{1, 1, 1}, {2, 2, 1}, {1, 3, 1}}, ""},
		{"an old owner's late answer, in its own configuration", []answer{{2, 2, 1}, {1, 3, 1}, {2, 2, 1}}, ""},
		{"two groups in one configuration", []answer{{2, 2, 1}, {1, 2, 1}},
			"group 1 answered for shard 1 in configuration 2, which gives shard 1 to group 2 (answer 2); group 2 answered for it in that configuration too (answer 1)"},
		{"alone, for a shard given elsewhere", []answer{{1, 2, 1}}, "gives shard 1 to group 2"},
		{"a group moved on, answering for a shard it gave away", []answer{{2, 2, 1}, {2, 3, 1}}, "group 2 answered for shard 1 in configuration 3, which gives shard 1 to group 1"},
		{"for a shard given to no group", []answer{{1, 4, 0}}, "which gives shard 0 to no group"},
		{"in configuration 0", []answer{{1, 0, 0}}, "which gives shard 0 to no group"},
		{"in a configuration never given out", []answer{{1, 9, 0}}, "which no controller gave out"},
		{"for a shard the configuration does not have", []answer{{1, 1, 5}}, "which no controller gave out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewShardOwner()
			for num, shards := range configs {
				if err := o.Configuration(num, shards); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			for i, a := range tt.answers {
				if err = o.Served(a.gid, a.config, a.shard, "answer "+string(rune('1'+i))); err != nil && i < len(tt.answers)-1 {
					t.Fatalf("answer %d: %v", i+1, err)
				}
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestShardOwnerConfigurations: a configuration given out again is the
// same value; a different one under a number seen before fails.
func TestShardOwnerConfigurations(t *testing.T) {
	tests := []struct {
		name    string
		configs [][]int // numbered 1, 1, …: each given out under number 1
		want    string
	}{
		{"the same twice", [][]int{{1, 2}, {1, 2}}, ""},
		{"another under the same number", [][]int{{1, 2}, {2, 2}}, "configuration 1 was given out as [1 2] and as [2 2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewShardOwner()
			var err error
			for _, c := range tt.configs {
				err = o.Configuration(1, c)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			if gid, known := o.Owner(1, 1); !known || gid != 2 {
				t.Errorf("Owner(1, 1) = %d, %v; want 2, true (the first assignment)", gid, known)
			}
		})
	}
}
