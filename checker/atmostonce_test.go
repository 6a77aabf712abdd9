package checker

import (
	"strings"
	"testing"
)

func TestAtMostOnce(t *testing.T) {
	a1, a2, p3 := RequestID{Client: 1, Seq: 1}, RequestID{Client: 1, Seq: 2}, RequestID{Client: 2, Seq: 1}
	// wrote is the requests of every case: two appends to k, a put to k,
	// and an append to another key.
	wrote := func(a *AtMostOnce) {
		a.Wrote(a1, "k", "x ")
		a.Wrote(a2, "k", "y ")
		a.Wrote(p3, "k", "p ")
		a.Wrote(RequestID{Client: 2, Seq: 2}, "j", "z ")
	}
	tests := []struct {
		name   string
		values []string // the replica's successive values of k
		want   string   // in the error; "" for none
	}{
		{"appends once each", []string{"", "x ", "x y "}, ""},
		{"a put, then appends", []string{"x ", "p ", "p y "}, ""},
		{"a new state at once (a transfer)", []string{"x ", "p x y "}, ""},
		{"an append applied twice", []string{"x ", "x y ", "x y x "}, `holds "x " twice: client 1's request 1 was applied twice`},
		{"twice within one change", []string{"", "y y "}, `holds "y " twice`},
		{"twice in a new state", []string{"x ", "p x x "}, `holds "x " twice`},
		{"a value nobody wrote", []string{"x ", "x w "}, `holds "w ", which no request wrote`},
		{"a value of another key", []string{"x z "}, `holds "z ", which client 2's request 2 wrote to key "j"`},
		{"a torn token", []string{"x y"}, `holds "y", which no request wrote`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAtMostOnce(' ')
			wrote(a)
			var err error
			for _, v := range tt.values {
				if err = a.Check(0, "k", v); err != nil {
					break
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

func TestAtMostOnceReplicasApart(t *testing.T) {
	a := NewAtMostOnce(' ')
	a.Wrote(RequestID{Client: 1, Seq: 1}, "k", "x ")
	for replica := 0; replica < 3; replica++ {
		if err := a.Check(replica, "k", "x "); err != nil {
			t.Fatalf("replica %d: %v", replica, err)
		}
	}
	if err := a.Check(0, "k", ""); err != nil { // restarted empty
		t.Fatal(err)
	}
	if err := a.Check(0, "k", "x "); err != nil { // and given the state again
		t.Fatalf("a replica given the state again: %v", err)
	}
}

func TestAtMostOnceWrote(t *testing.T) {
	r1, r2 := RequestID{Client: 1, Seq: 1}, RequestID{Client: 2, Seq: 1}
	tests := []struct {
		name   string
		before func(a *AtMostOnce)
		value  string // r1 writes it to k
		want   string
	}{
		{"one token", func(*AtMostOnce) {}, "v ", ""},
		{"a retry writes the same", func(a *AtMostOnce) { a.Wrote(r1, "k", "v ") }, "v ", ""},
		{"no separator", func(*AtMostOnce) {}, "v", "not one token"},
		{"two tokens", func(*AtMostOnce) {}, "v w ", "not one token"},
		{"another request's value", func(a *AtMostOnce) { a.Wrote(r2, "k", "v ") }, "v ", "every request must write a value of its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAtMostOnce(' ')
			tt.before(a)
			err := a.Wrote(r1, "k", tt.value)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
