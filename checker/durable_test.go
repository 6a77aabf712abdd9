package checker

import (
	"fmt"
	"strings"
	"testing"
)

func TestDurable(t *testing.T) {
	tests := []struct {
		name     string
		revealed []int // by node 1, in order
		now      int
		want     string // in the error; "" for none
	}{
		{"nothing revealed", nil, 0, ""},
		{"held", []int{3}, 3, ""},
		{"moved on", []int{3}, 5, ""},
		{"lost", []int{3}, 2, "told another its tag was 3, and now holds 2"},
		{"the most revealed counts", []int{5, 3}, 4, "told another its tag was 5, and now holds 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDurable("tag", func(a, b int) bool { return a < b }, func(v int) string { return fmt.Sprint(v) })
			for _, v := range tt.revealed {
				d.Revealed(1, v)
			}
			err := d.Check(1, tt.now)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			if err := d.Check(2, 0); err != nil {
				t.Errorf("node 2 revealed nothing, yet: %v", err)
			}
		})
	}
}
