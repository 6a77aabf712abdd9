package checker

import (
	"strings"
	"testing"
)

// logOf is a view of a log whose entry i (1-based) has terms[i-1].
func logOf(node, term int, terms ...int) LogView {
	return LogView{Node: node, Term: term, FirstIndex: 0, LastIndex: len(terms),
		Entry: func(i int) (int, uint64, bool) {
			if i == 0 {
				return 0, 0, true
			}
			if i < 1 || i > len(terms) {
				return 0, 0, false
			}
			return terms[i-1], uint64(i), true
		}}
}

func TestRevealed(t *testing.T) {
	tests := []struct {
		name   string
		reveal func(r *Revealed)
		now    LogView
		vote   [2]int // term, votedFor
		known  bool
		want   string // in the error; "" for none
	}{
		{"a term forgotten", func(r *Revealed) { r.Term(1, 5) }, logOf(1, 4), [2]int{}, false, "told others its term was 5, and now holds term 4"},
		{"a higher term is fine", func(r *Revealed) { r.Term(1, 5) }, logOf(1, 7), [2]int{}, false, ""},
		{"acknowledged entries lost (amnesia)", func(r *Revealed) { r.Term(1, 2); r.Ack(1, 1, 3, 2) }, logOf(1, 2), [2]int{}, false,
			"acknowledged holding its log up to entry 3 (of term 2), and now holds entries up to 0"},
		{"acknowledged entries lost (never synced)", func(r *Revealed) { r.Ack(1, 1, 4, 2) }, logOf(1, 2, 1, 2), [2]int{}, false,
			"and now holds entries up to 2 (the last of term 2)"},
		{"acknowledged entries held", func(r *Revealed) { r.Ack(1, 1, 3, 2) }, logOf(1, 2, 1, 2, 2), [2]int{}, false, ""},
		{"replaced by a higher term's leader", func(r *Revealed) { r.Ack(1, 1, 4, 2) }, logOf(1, 3, 1, 3), [2]int{}, false, ""},
		{"an older acknowledgment arriving late", func(r *Revealed) { r.Ack(1, 2, 2, 3); r.Ack(1, 1, 4, 2) }, logOf(1, 3, 1, 3), [2]int{}, false, ""},
		{"a vote forgotten", func(r *Revealed) { r.Term(1, 4); r.Vote(1, 1, 4, 2) }, logOf(1, 4), [2]int{4, -1}, true,
			"granted its vote in term 4 to server 2, and now in term 4 says it voted for -1"},
		{"a vote for another", func(r *Revealed) { r.Vote(1, 1, 4, 2) }, logOf(1, 4), [2]int{4, 3}, true, "says it voted for 3"},
		{"a vote in a later term is fine", func(r *Revealed) { r.Vote(1, 1, 4, 2) }, logOf(1, 5), [2]int{5, -1}, true, ""},
		{"a vote not known is not checked", func(r *Revealed) { r.Vote(1, 1, 4, 2) }, logOf(1, 4), [2]int{}, false, ""},
		{"another server's reveals", func(r *Revealed) { r.Term(2, 9) }, logOf(1, 1), [2]int{}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRevealed()
			tt.reveal(r)
			err := r.Check(tt.now, tt.vote[0], tt.vote[1], tt.known)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
