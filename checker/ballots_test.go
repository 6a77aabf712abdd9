package checker

import (
	"strings"
	"testing"
)

func TestBallots(t *testing.T) {
	v := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name string
		run  func(b *Ballots) error // the last error of its steps
		want string                 // in the error; "" for none
	}{
		{"a fresh round proposes its own value", func(b *Ballots) error {
			b.Promised(0, 0, 1, 0, nil, false)
			b.Promised(0, 1, 1, 0, nil, true)
			return b.Proposed(0, 1, v("x"))
		}, ""},
		{"phase 2 without a majority", func(b *Ballots) error {
			b.Promised(0, 0, 1, 0, nil, false)
			return b.Proposed(0, 1, v("x"))
		}, "went to phase 2 with 1 promises; a majority is 2"},
		{"the highest accepted value taken up", func(b *Ballots) error {
			b.Promised(0, 0, 6, 2, v("a"), false)
			b.Promised(0, 1, 6, 4, v("b"), true)
			return b.Proposed(0, 6, v("b"))
		}, ""},
		{"a lower accepted value taken up", func(b *Ballots) error {
			b.Promised(0, 0, 6, 2, v("a"), false)
			b.Promised(0, 1, 6, 4, v("b"), true)
			return b.Proposed(0, 6, v("a"))
		}, "which no majority of its promises allows (P2c"},
		{"an accepted value ignored", func(b *Ballots) error {
			b.Promised(0, 0, 6, 0, nil, false)
			b.Promised(0, 1, 6, 4, v("b"), true)
			return b.Proposed(0, 6, v("mine"))
		}, "which no majority of its promises allows (P2c"},
		{"a majority that accepted nothing allows any value", func(b *Ballots) error {
			b.Promised(0, 0, 6, 0, nil, false)
			b.Promised(0, 1, 6, 0, nil, true)
			b.Promised(0, 2, 6, 4, v("b"), true)
			return b.Proposed(0, 6, v("mine"))
		}, ""},
		{"two values under one proposal", func(b *Ballots) error {
			b.Promised(0, 0, 3, 0, nil, false)
			b.Promised(0, 1, 3, 0, nil, true)
			b.Proposed(0, 3, v("x"))
			return b.Proposed(0, 3, v("y"))
		}, "one proposal number, one value"},
		{"a chosen value overridden later (P2b)", func(b *Ballots) error {
			b.Accepted(0, 0, 3, v("x"), false)
			b.Accepted(0, 1, 3, v("x"), true)
			return b.Accepted(0, 2, 7, v("y"), true)
		}, "proposal 3 was accepted by a majority"},
		{"a value chosen after a higher proposal was made (P2b)", func(b *Ballots) error {
			b.Accepted(0, 2, 7, v("y"), true)
			b.Accepted(0, 0, 3, v("x"), false)
			return b.Accepted(0, 1, 3, v("x"), true)
		}, "yet proposal 7 carries \"y\""},
		{"an acknowledgment of a proposal never sent", func(b *Ballots) error {
			return b.Acknowledged(0, 1, 9)
		}, "which no proposer sent"},
		{"instances are apart", func(b *Ballots) error {
			b.Accepted(0, 0, 3, v("x"), false)
			b.Accepted(0, 1, 3, v("x"), true)
			return b.Accepted(1, 2, 7, v("y"), true)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(NewBallots(3))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestBallotsRevealed(t *testing.T) {
	tests := []struct {
		name    string
		reveal  func(b *Ballots)
		np, na  int
		settled bool
		want    string
	}{
		{"a promise forgotten", func(b *Ballots) { b.Promised(0, 1, 5, 0, nil, true) }, 0, 0, false, "promised proposal 5 to another peer, and now holds a promise of 0"},
		{"a promise kept", func(b *Ballots) { b.Promised(0, 1, 5, 0, nil, true) }, 5, 0, false, ""},
		{"a promise to itself is no message", func(b *Ballots) { b.Promised(0, 1, 5, 0, nil, false) }, 0, 0, false, ""},
		{"an acceptance forgotten", func(b *Ballots) {
			b.Promised(0, 0, 5, 0, nil, false)
			b.Promised(0, 1, 5, 0, nil, true)
			b.Proposed(0, 5, []byte("x"))
			b.Acknowledged(0, 1, 5)
		}, 5, 0, false, "told another peer it accepted proposal 5, and now holds 0"},
		{"an acceptance told in a promise, forgotten", func(b *Ballots) { b.Promised(0, 1, 8, 5, []byte("x"), true) }, 8, 3, false, "accepted proposal 5, and now holds 3"},
		{"a decided or forgotten instance is not checked", func(b *Ballots) { b.Promised(0, 1, 5, 0, nil, true) }, 0, 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBallots(3)
			tt.reveal(b)
			err := b.CheckAcceptor(1, func(int) (int, int, bool) { return tt.np, tt.na, tt.settled })
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			if err := b.CheckInstance(1, 1, 0, 0, false); err != nil {
				t.Errorf("instance 1 revealed nothing, yet: %v", err)
			}
			if err := b.CheckAcceptor(2, func(int) (int, int, bool) { return 0, 0, false }); err != nil {
				t.Errorf("acceptor 2 revealed nothing, yet: %v", err)
			}
		})
	}
}
