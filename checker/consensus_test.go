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
	base        uint64 // chain at first, in chain mode
	baseTerm    int    // term at first, in derived mode
	terms       []int
	commands    []string
	corruptFrom int // entries from this index hash a different command
}

// chainAt is the chain hash of f's log at index i.
func (f fakeLog) chainAt(i int) uint64 {
	_, c, _ := f.view().Entry(i)
	return c
}

// derivedView is f's view without a chain: the checker derives it from
// the entries' terms and data.
func (f fakeLog) derivedView() LogView {
	v := f.view()
	v.Entry = nil
	v.EntryData = func(i int) (int, []byte, bool) {
		if i < f.first || i > f.first+len(f.terms) {
			return 0, nil, false
		}
		if i == f.first {
			return f.baseTerm, nil, true
		}
		k := i - f.first - 1
		cmd := ""
		if k < len(f.commands) {
			cmd = f.commands[k]
		}
		if f.corruptFrom > 0 && i >= f.corruptFrom {
			cmd += "!"
		}
		return f.terms[k], []byte(cmd), true
	}
	return v
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
			name: "a leader that deletes entries of its own term",
			steps: [][]fakeLog{
				{{node: 0, term: 2, leader: true, terms: []int{1, 2, 2}}},
				{{node: 0, term: 2, leader: true, terms: []int{1, 2}}},
			},
			wantErr: "leader append-only",
		},
		{
			name: "a leader that replaces its own entry with another term's",
			steps: [][]fakeLog{
				{{node: 0, term: 3, leader: true, terms: []int{1, 3}}},
				{{node: 0, term: 3, leader: true, terms: []int{1, 2}}},
			},
			wantErr: "leader append-only",
		},
		{
			name: "a leader that appends, and a later leader of the same server that was truncated",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, terms: []int{1, 1}}},
				{{node: 0, term: 1, leader: true, terms: []int{1, 1, 1}}},
				{{node: 0, term: 2, terms: []int{1}}, {node: 1, term: 2, leader: true, terms: []int{1}}},
				{{node: 0, term: 3, leader: true, terms: []int{1, 3}}},
			},
		},
		{
			name: "a leader that compacts its log into a snapshot",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}},
				{{node: 0, term: 1, leader: true, commit: 2, first: 2, base: fakeLog{terms: []int{1, 1}}.chainAt(2), baseTerm: 1, terms: []int{1}}},
			},
		},
		{
			name: "a leader whose snapshot covers the committed entries",
			steps: [][]fakeLog{
				{{node: 0, term: 1, leader: true, commit: 2, terms: []int{1, 1}}},
				{{node: 1, term: 2, leader: true, commit: 2, first: 2, base: fakeLog{terms: []int{1, 1}}.chainAt(2), baseTerm: 1, terms: []int{2}}},
			},
		},
	}
	for _, mode := range []string{"chain", "derived"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				c := NewConsensus()
				var err error
				for _, step := range tt.steps {
					var views []LogView
					for _, f := range step {
						if mode == "chain" {
							views = append(views, f.view())
						} else {
							views = append(views, f.derivedView())
						}
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
				if c.Unanchored() != 0 {
					t.Errorf("Unanchored() = %d; every snapshot here sits on entries the checker saw", c.Unanchored())
				}
			})
		}
	}
}

// TestDerivedChainsFindAnEntryRewrittenInTheMiddle: a server whose entry 2
// changes while its last entry stays the same is not caught by looking at
// the last entry; the periodic full derivation finds it within as many
// observations as the log is long.
func TestDerivedChainsFindAnEntryRewrittenInTheMiddle(t *testing.T) {
	c := NewConsensus()
	good := fakeLog{node: 0, term: 1, terms: []int{1, 1, 1, 1, 1, 1}, commands: []string{"a", "b", "c", "d", "e", "f"}}
	other := good
	other.node = 1
	if err := c.Observe([]LogView{good.derivedView(), other.derivedView()}); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.commands = []string{"a", "X", "c", "d", "e", "f"}
	for k := 1; k <= len(good.terms)+2; k++ {
		if err := c.Observe([]LogView{bad.derivedView(), other.derivedView()}); err != nil {
			if !strings.Contains(err.Error(), "log matching") {
				t.Fatalf("observation %d: %v; want a log matching violation", k, err)
			}
			t.Logf("found at observation %d: %v", k, err)
			return
		}
	}
	t.Fatalf("an entry rewritten in the middle of the log went unnoticed for %d observations", len(good.terms)+2)
}

// TestDerivedChainsAcrossASnapshot: a server that installed a snapshot of
// committed entries is anchored on them: a matching suffix passes, a
// suffix with other data at the same index and term is caught, and a
// snapshot the checker cannot tie to anything it saw is counted, not
// passed silently.
func TestDerivedChainsAcrossASnapshot(t *testing.T) {
	full := fakeLog{node: 0, term: 2, leader: true, commit: 2, terms: []int{1, 1, 2}, commands: []string{"a", "b", "c"}}
	snap := fakeLog{node: 1, term: 2, commit: 2, first: 2, baseTerm: 1, terms: []int{2}, commands: []string{"c"}}
	c := NewConsensus()
	if err := c.Observe([]LogView{full.derivedView()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Observe([]LogView{full.derivedView(), snap.derivedView()}); err != nil {
		t.Fatalf("a snapshot of committed entries with the same suffix: %v", err)
	}
	wrong := snap
	wrong.node, wrong.commands = 2, []string{"z"}
	if err := c.Observe([]LogView{wrong.derivedView()}); err == nil || !strings.Contains(err.Error(), "log matching") {
		t.Fatalf("a suffix with other data after the snapshot: %v; want a log matching violation", err)
	}
	if c.Unanchored() != 0 {
		t.Fatalf("Unanchored() = %d; want 0", c.Unanchored())
	}
	lone := fakeLog{node: 3, term: 9, first: 50, baseTerm: 7, terms: []int{9}}
	if err := c.Observe([]LogView{lone.derivedView()}); err != nil {
		t.Fatalf("an untied snapshot: %v; want it counted, not failed", err)
	}
	if c.Unanchored() != 1 {
		t.Fatalf("Unanchored() = %d after a snapshot the checker never saw entries for; want 1", c.Unanchored())
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

// TestAppliedComparesAnyCommand: byte slices by content, uncomparable
// values without a panic, and a supplied equality where one is given.
func TestAppliedComparesAnyCommand(t *testing.T) {
	tests := []struct {
		name      string
		equal     func(a, b any) bool
		first     any
		same      any
		different any
	}{
		{"byte slices", nil, []byte("put k v"), []byte("put k v"), []byte("put k w")},
		{"slices of ints", nil, []int{1, 2}, []int{1, 2}, []int{2, 1}},
		{"structs holding slices", nil, struct{ B []byte }{[]byte("a")}, struct{ B []byte }{[]byte("a")}, struct{ B []byte }{[]byte("b")}},
		{"interfaces holding slices", nil, []any{[]byte("a")}, []any{[]byte("a")}, []any{[]byte("b")}},
		{"a supplied equality", func(a, b any) bool { return strings.EqualFold(a.(string), b.(string)) }, "PUT", "put", "get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConsensus()
			c.Equal = tt.equal
			if err := c.Applied(0, 1, tt.first); err != nil {
				t.Fatal(err)
			}
			if err := c.Applied(1, 1, tt.same); err != nil {
				t.Errorf("an equal command: %v", err)
			}
			if err := c.Applied(2, 1, tt.different); err == nil || !strings.Contains(err.Error(), "state machine safety") {
				t.Errorf("a different command: %v; want a state machine safety violation", err)
			}
		})
	}
}
