package node

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestSortedKeys(t *testing.T) {
	t.Run("ints", func(t *testing.T) {
		m := map[int]string{5: "e", -1: "z", 3: "c", 0: "a"}
		if got, want := SortedKeys(m), []int{-1, 0, 3, 5}; !slices.Equal(got, want) {
			t.Errorf("SortedKeys = %v; want %v", got, want)
		}
	})
	t.Run("strings", func(t *testing.T) {
		m := map[string]bool{"b": true, "a": false, "B": true, "": true, "ab": true}
		if got, want := SortedKeys(m), []string{"", "B", "a", "ab", "b"}; !slices.Equal(got, want) {
			t.Errorf("SortedKeys = %q; want %q", got, want)
		}
	})
	t.Run("empty and nil", func(t *testing.T) {
		if got := SortedKeys(map[ID]int{}); got == nil || len(got) != 0 {
			t.Errorf("SortedKeys(empty) = %#v; want an empty, non-nil slice", got)
		}
		var m map[string]int
		if got := SortedKeys(m); len(got) != 0 {
			t.Errorf("SortedKeys(nil) = %v; want empty", got)
		}
	})
	t.Run("large, stable across calls", func(t *testing.T) {
		m := map[ID]int{}
		r := NewRand(1)
		for range 1000 {
			m[ID(r.IntN(1_000_000))] = 1
		}
		first := SortedKeys(m)
		if len(first) != len(m) || !slices.IsSorted(first) {
			t.Fatalf("SortedKeys of %d keys: %d keys, sorted %v", len(m), len(first), slices.IsSorted(first))
		}
		for range 5 {
			if again := SortedKeys(m); !slices.Equal(again, first) {
				t.Fatalf("SortedKeys changed between calls")
			}
		}
	})
}

func TestIDString(t *testing.T) {
	for id, want := range map[ID]string{0: "n0", 3: "n3", 42: "n42", None: "none"} {
		if got := id.String(); got != want {
			t.Errorf("ID(%d).String() = %q; want %q", int(id), got, want)
		}
	}
	if got := fmt.Sprint(ID(7)); got != "n7" {
		t.Errorf("fmt.Sprint(ID(7)) = %q; want n7", got)
	}
}

// fakeEnv is a hand-written Env, as a unit test of a system would use.
type fakeEnv struct {
	self ID
	sent []ID
}

func (e *fakeEnv) Self() ID                            { return e.self }
func (e *fakeEnv) Now() time.Duration                  { return 0 }
func (e *fakeEnv) Rand() *Rand                         { return NewRand(1) }
func (e *fakeEnv) Send(to ID, msg any)                 { e.sent = append(e.sent, to) }
func (e *fakeEnv) SetTimer(time.Duration, any) TimerID { return 1 }
func (e *fakeEnv) StopTimer(TimerID)                   {}
func (e *fakeEnv) Disk() Disk                          { return nil }
func (e *fakeEnv) Compute(time.Duration)               {}
func (e *fakeEnv) Mark(Mark)                           {}

func (e *fakeEnv) Logf(string, ...any) {}

// TestHandlerFunc: HandlerFunc adapts a function, and the three event types
// are Events a handler can switch on.
func TestHandlerFunc(t *testing.T) {
	var got []string
	h := HandlerFunc(func(env Env, ev Event) {
		switch ev := ev.(type) {
		case *Start:
			got = append(got, fmt.Sprintf("start %v", ev.Restarted))
		case *Recv:
			got = append(got, fmt.Sprintf("recv %v %v", ev.From, ev.Msg))
			env.Send(ev.From, "ack")
		case *Timeout:
			got = append(got, fmt.Sprintf("timeout %d %v", ev.ID, ev.Tag))
		}
	})
	var _ Handler = h
	env := &fakeEnv{self: 1}
	h.Handle(env, &Start{Restarted: true})
	h.Handle(env, &Recv{From: 2, Msg: "hi"})
	h.Handle(env, &Timeout{ID: 3, Tag: "t"})
	want := []string{"start true", "recv n2 hi", "timeout 3 t"}
	if !slices.Equal(got, want) {
		t.Errorf("handled %q; want %q", got, want)
	}
	if !slices.Equal(env.sent, []ID{2}) {
		t.Errorf("sent to %v; want [n2]", env.sent)
	}
	if ErrNotExist == nil || ErrNotExist.Error() == "" {
		t.Errorf("ErrNotExist is empty")
	}
}
