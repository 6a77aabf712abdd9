package checker

import (
	"strings"
	"testing"
)

// fakeLog is a hand-built server log: terms[k] is the term of entry
// first+k+1, and base the chain hash at first.
type fakeLog struct {
	node        int
	inc         uint64
	term        int
	leader      bool
	commit      int
	first       int
	base        uint64
	terms       []int
	commands    []string
	corruptFrom int // entries from this index hash a different command
}

// chainAt is the chain hash of f's log at index i.
func (f fakeLog) chainAt(i int) uint64 {
	_, c, _ := f.view().Entry(i)
	return c
}

func (f fakeLog) view() LogView {
	chains := []uint64{f.base}
	for k, t := range f.terms {
		cmd := ""
		if k < len(f.commands) {
			cmd = f.commands[k]
		}
		if f.corruptFrom > 0 && f.first+k+1 >= f.corruptFrom {
			cmd += "!"
		}
		h := chains[k]*1099511628211 ^ uint64(t)*31
		for _, b := range []byte(cmd) {
			h = h*1099511628211 ^ uint64(b)
		}
		chains = append(chains, h)
	}
	return LogView{Node: f.node, Incarnation: f.inc, Term: f.term, Leader: f.leader, CommitIndex: f.commit,
		FirstIndex: f.first, LastIndex: f.first + len(f.terms),
		Entry: func(i int) (int, uint64, bool) {
			if i < f.first || i > f.first+len(f.terms) {
				return 0, 0, false
			}
			if i == f.first {
				return 0, f.base, true
			}
			return f.terms[i-f.first-1], chains[i-f.first], true
		}}
}

func TestConsensusCatchesViolations(t *testing.T) {
	tests := []struct {
		name    string
		steps   [][]fakeLog // observations, in order
		wantErr string      // "" for a legal run
	}{
		{
			name: "a legal run: election, replication, commit, a new leader with the whole log",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, terms: []int{1, 1}}, {node: 1, term: 1, terms: []int{1}}},
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}, {node: 1, term: 1, commit: 1, terms: []int{1, 1}}},
				{{node: 0, term: 2, commit: 2, terms: []int{1, 1}}, {node: 1, term: 2, leader: true, commit: 2, terms: []int{1, 1, 2}}},
			},
		},
		{
			name: "two leaders in one term",
			steps: [][]fakeLog{
				{{node: 0, term: 3, leader: true}, {node: 1, term: 3}},
				{{node: 0, term: 3}, {node: 1, term: 3, leader: true}},
			},
			wantErr: "election safety",
		},
		{
			name: "same index and term, different logs before it",
			steps: [][]fakeLog{
				{{node: 0, term: 2, terms: []int{1, 2}, commands: []string{"a", "b"}},
					{node: 1, term: 2, terms: []int{1, 2}, commands: []string{"x", "b"}}},
			},
			wantErr: "log matching",
		},
		{
			name: "same index and term, different commands",
			steps: [][]fakeLog{
				{{node: 0, term: 2, terms: []int{1, 2}, commands: []string{"a", "b"}},
					{node: 1, term: 2, terms: []int{1, 2}, commands: []string{"a", "c"}}},
			},
			wantErr: "log matching",
		},
		{
			name: "a log rewritten under an entry already checked",
			steps: [][]fakeLog{
				{{node: 0, term: 1, terms: []int{1, 1, 1}}},
				{{node: 1, term: 1, terms: []int{1, 1, 1}, corruptFrom: 2}},
			},
			wantErr: "log matching",
		},
		{
			name: "a new leader without a committed entry",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}, {node: 1, term: 1, commit: 1, terms: []int{1}}},
				{{node: 0, term: 1, commit: 2, terms: []int{1, 1}}, {node: 1, term: 2, leader: true, commit: 1, terms: []int{1}}},
			},
			wantErr: "leader completeness",
		},
		{
			name: "a stale leader of an older term may lack newer commits",
			steps: [][]fakeLog{
				{{node: 0, term: 2, leader: true, commit: 2, terms: []int{1, 2}}, {node: 1, term: 1, leader: true, commit: 1, terms: []int{1}}},
			},
		},
		{
			name: "commit index going backwards",
			steps: [][]fakeLog{
				{{node: 0, term: 1, commit: 2, terms: []int{1, 1}}},
				{{node: 0, term: 1, commit: 1, terms: []int{1, 1}}},
			},
			wantErr: "commit index went back",
		},
		{
			name: "commit index starting over after a restart is fine",
			steps: [][]fakeLog{
				{{node: 0, term: 1, commit: 2, terms: []int{1, 1}}},
				{{node: 0, inc: 1, term: 1, commit: 0, terms: []int{1, 1}}},
			},
		},
		{
			name: "two servers commit different entries at one index",
			steps: [][]fakeLog{
				{{node: 0, term: 1, commit: 2, terms: []int{1, 1}}},
				{{node: 1, term: 2, commit: 2, terms: []int{1, 2}}},
			},
			wantErr: "committed entries disagree",
		},
		{
			name: "a snapshot that does not match what was committed",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}},
				{{node: 1, term: 2, commit: 2, first: 2, base: 777, terms: []int{2}}},
			},
			wantErr: "committed entries disagree",
		},
		{
			name: "commit index past the log",
			steps: [][]fakeLog{
				{{node: 0, term: 1, commit: 3, terms: []int{1, 1}}},
			},
			wantErr: "beyond its log",
		},
		{
			name: "a leader whose snapshot covers the committed entries",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}},
				{{node: 1, term: 2, leader: true, commit: 2, first: 2, base: fakeLog{terms: []int{1, 1}}.chainAt(2), terms: []int{2}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConsensus()
			var err error
			for _, step := range tt.steps {
				var views []LogView
				for _, f := range step {
					views = append(views, f.view())
				}
				if err = c.Observe(views); err != nil {
					break
				}
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Observe = %v, want no violation", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Observe = %v, want a violation of %q", err, tt.wantErr)
			}
		})
	}
}

func TestAppliedCatchesDivergentStateMachines(t *testing.T) {
	c := NewConsensus()
	if err := c.Applied(0, 1, "x"); err != nil {
		t.Fatal(err)
	}
	if err := c.Applied(1, 1, "x"); err != nil {
		t.Errorf("the same command at the same index: %v", err)
	}
	if err := c.Applied(2, 1, "y"); err == nil || !strings.Contains(err.Error(), "state machine safety") {
		t.Errorf("a different command at index 1: %v, want a state machine safety violation", err)
	}
	if got, ok := c.AppliedCommand(1); !ok || got != "x" {
		t.Errorf("AppliedCommand(1) = %v, %v", got, ok)
	}
}
