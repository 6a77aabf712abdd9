package sim_test

import (
	"encoding/gob"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Message types for strict mode.
type (
	noExported struct{ secret int }
	halfHidden struct {
		Visible int
		secret  string
	}
	withFunc struct {
		A int
		F func()
	}
	strictPayload    struct{ X int }
	unregPayload     struct{ Y int }
	strictWellFormed struct {
		Name  string
		Items [][]string
		Nums  []int
		Bytes []byte
		Any   any
		M     map[string][]int
		P     *int
		Inner struct{ A, B uint16 }
	}
)

func init() { gob.Register(strictPayload{}) }

// strictSend runs a world in which node 0 sends msg to node 1 at start, and
// returns the world, what node 1 received and the run's error.
func strictSend(t *testing.T, cfg sim.Config, msg any) (*sim.World, []any, error) {
	t.Helper()
	w := sim.New(1, cfg)
	var got []any
	w.AddNode("sender", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if _, ok := ev.(*node.Start); ok {
				env.Send(1, msg)
			}
		})
	})
	w.AddNode("receiver", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if r, ok := ev.(*node.Recv); ok {
				got = append(got, r.Msg)
			}
		})
	})
	err := w.RunFor(time.Second)
	return w, got, err
}

// TestStrictRejects: in strict mode a message that loses data in a gob
// round trip fails the run with a Message failure naming the sender.
func TestStrictRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  any
		hint string // in the failure message
	}{
		{"no exported fields", noExported{secret: 1}, "does not encode"},
		{"unexported field with data", halfHidden{Visible: 1, secret: "x"}, "changed in a gob round trip: .secret (of type string) is unexported"},
		{"func field set", withFunc{A: 1, F: func() {}}, ".F (of type func()) is a func"},
		// Values that print alike on both sides: the failure must say
		// which field differs, deep inside the message.
		{"protobuf-shaped message with internal state", protoLike{Entries: []*protoEntry{{state: &protoRegistry{}, Data: []byte("x")}}},
			".Entries[0].state (of type *sim_test.protoRegistry) is unexported"},
		{"unregistered type in an interface", strictWellFormed{Any: unregPayload{1}}, "does not encode"},
		{"nil message", nil, "nil message"},
		{"channel", make(chan int), "does not encode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, got, err := strictSend(t, sim.Config{Strict: true}, tc.msg)
			if err == nil {
				t.Fatalf("strict run = nil error, receiver got %v; want a Message failure", got)
			}
			f := asFailure(t, err)
			if f.Kind != sim.Message || f.Node != "sender" || !strings.Contains(f.Msg, tc.hint) {
				t.Errorf("failure kind %q node %q msg %q; want kind message, node sender, msg containing %q", f.Kind, f.Node, f.Msg, tc.hint)
			}
			if len(got) != 0 {
				t.Errorf("receiver got %v; want nothing", got)
			}
			if w.Err() != f {
				t.Errorf("Err() = %v; want the failure", w.Err())
			}
		})
	}
}

// TestStrictAccepts: well-formed messages pass strict mode and the receiver
// gets an equal copy that shares no memory with the sender's value.
func TestStrictAccepts(t *testing.T) {
	seven := 7
	zero := 0
	tests := []struct {
		name string
		msg  any
		// equal reports whether the receiver's copy must be DeepEqual to
		// the original (false where gob cannot tell nil from empty).
		equal bool
	}{
		{"int", 42, true},
		{"string", "hello", true},
		{"exported struct", num{3}, true},
		{"unexported field left zero", halfHidden{Visible: 1}, true},
		{"func field left nil", withFunc{A: 1}, true},
		{"nested and registered interface", strictWellFormed{
			Name:  "x",
			Items: [][]string{{"a", "b"}, {"c"}},
			Nums:  []int{1, 2, 3},
			Bytes: []byte("raw"),
			Any:   strictPayload{X: 9},
			M:     map[string][]int{"k": {4, 5}},
			P:     &seven,
			Inner: struct{ A, B uint16 }{1, 2},
		}, true},
		{"pointer message", &num{5}, true},
		{"nil and empty slices and maps", strictWellFormed{Nums: []int{}, Items: [][]string{{}, nil}, M: map[string][]int{}, Bytes: []byte{}}, false},
		{"pointer to zero", strictWellFormed{P: &zero}, false},
		{"empty struct", struct{}{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := strictSend(t, sim.Config{Strict: true}, tc.msg)
			if err != nil {
				t.Fatalf("strict run failed: %v; want a pass", err)
			}
			if len(got) != 1 {
				t.Fatalf("receiver got %d messages; want 1", len(got))
			}
			if reflect.TypeOf(got[0]) != reflect.TypeOf(tc.msg) {
				t.Errorf("receiver got a %T; want a %T", got[0], tc.msg)
			}
			if tc.equal && !reflect.DeepEqual(got[0], tc.msg) {
				t.Errorf("receiver got %#v; want %#v", got[0], tc.msg)
			}
		})
	}
}

// TestStrictCopies: in strict mode the receiver's slices, maps and pointers
// are its own; in default mode the sender's value is handed over as is.
func TestStrictCopies(t *testing.T) {
	for _, strict := range []bool{true, false} {
		n := 1
		msg := strictWellFormed{Nums: []int{1, 2, 3}, Bytes: []byte("ab"), M: map[string][]int{"k": {1}}, P: &n}
		_, got, err := strictSend(t, sim.Config{Strict: strict}, msg)
		if err != nil || len(got) != 1 {
			t.Fatalf("strict=%v: err %v, %d received; want a pass and one message", strict, err, len(got))
		}
		r := got[0].(strictWellFormed)
		shared := &r.Nums[0] == &msg.Nums[0] || &r.Bytes[0] == &msg.Bytes[0] || r.P == msg.P ||
			reflect.ValueOf(r.M).UnsafePointer() == reflect.ValueOf(msg.M).UnsafePointer()
		if strict && shared {
			t.Errorf("strict: the received copy shares memory with the sender's value; want none")
		}
		if !strict && !shared {
			t.Errorf("default mode: the receiver got a copy; want the sender's value handed over (no copying cost)")
		}
		msg.Nums[0] = 100 // the sender breaks the rules after the send
		if strict && r.Nums[0] != 1 {
			t.Errorf("strict: the sender's later write reached the receiver's copy")
		}
	}
}

// TestStrictDuplicates: each copy of a duplicated message is its own.
func TestStrictDuplicates(t *testing.T) {
	link := sim.DefaultLink
	link.Dup = 1
	_, got, err := strictSend(t, sim.Config{Strict: true, Link: &link}, strictWellFormed{Nums: []int{1}})
	if err != nil || len(got) != 2 {
		t.Fatalf("err %v, %d received; want a pass and two copies", err, len(got))
	}
	a, b := got[0].(strictWellFormed), got[1].(strictWellFormed)
	if &a.Nums[0] == &b.Nums[0] {
		t.Errorf("the two copies of a duplicated message share a slice; want each its own")
	}
}

// TestDefaultModeLenient: outside strict mode no message is checked.
func TestDefaultModeLenient(t *testing.T) {
	for _, msg := range []any{halfHidden{Visible: 1, secret: "x"}, noExported{1}} {
		_, got, err := strictSend(t, sim.Config{}, msg)
		if err != nil || len(got) != 1 || got[0] != msg {
			t.Errorf("default mode with %#v: err %v, got %v; want it delivered as is", msg, err, got)
		}
	}
}

// TestStrictLostMessages: strict mode checks every message, including one
// the network then loses or a partition drops, so whether a bad message is
// caught does not depend on the network's draws.
func TestStrictLostMessages(t *testing.T) {
	lossy := sim.DefaultLink
	lossy.Loss = 1
	_, _, err := strictSend(t, sim.Config{Strict: true, Link: &lossy}, halfHidden{Visible: 1, secret: "x"})
	if err == nil {
		t.Errorf("a bad message on a link with Loss 1 passed strict mode; want a Message failure")
	}
}

// TestSizeOf: Sizer is honoured, estimates follow the documented encoding
// (varints, length prefixes, a byte per struct field) and grow with length.
func TestSizeOf(t *testing.T) {
	tests := []struct {
		name string
		msg  any
		want int
	}{
		{"sizer", sized{n: 1234}, 1234},
		{"sizer pointer", &sized{n: 7}, 7},
		{"small int", 5, 1},
		{"negative int", -1, 1},
		{"int 64", 64, 2}, // zigzag 128 needs two bytes
		{"uint 127", uint(127), 1},
		{"uint 128", uint(128), 2},
		{"bool", true, 1},
		{"float", 1.5, 8},
		{"empty string", "", 1},
		{"string", "abc", 4},
		{"long string", strings.Repeat("x", 200), 202},
		{"bytes", []byte("0123456789"), 11},
		{"ints", []int{1, 2, 3}, 4},
		{"struct", struct {
			A int
			B string
		}{1, "xy"}, 1 + (1 + 1) + (1 + 3)},
		{"nil pointer", (*num)(nil), 1},
		{"nil", nil, 1},
		{"map", map[string]int{"a": 1}, 1 + 2 + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sim.SizeOf(tc.msg); got != tc.want {
				t.Errorf("SizeOf(%#v) = %d; want %d", tc.msg, got, tc.want)
			}
		})
	}
	t.Run("grows with length", func(t *testing.T) {
		prevS, prevB, prevI := -1, -1, -1
		for _, n := range []int{0, 1, 10, 100, 1000, 10000} {
			s := sim.SizeOf(strings.Repeat("a", n))
			b := sim.SizeOf(make([]byte, n))
			i := sim.SizeOf(make([]int, n))
			if s <= prevS || b <= prevB || i <= prevI || s < n || b < n || i < n {
				t.Errorf("n=%d: string %d bytes %d ints %d (previous %d %d %d); want each > previous and ≥ n", n, s, b, i, prevS, prevB, prevI)
			}
			prevS, prevB, prevI = s, b, i
		}
	})
	t.Run("counted in stats", func(t *testing.T) {
		w, _, err := strictSend(t, sim.Config{}, sized{n: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if s := w.Stats(); s.BytesSent != 1000 || s.BytesDelivered != 1000 {
			t.Errorf("BytesSent %d BytesDelivered %d; want 1000 1000", s.BytesSent, s.BytesDelivered)
		}
	})
}

// protoLike is shaped like a generated protobuf message: exported data,
// and unexported reflection state and caches that point into a large graph
// the library shares between every message. gob sends the data only, and
// so must SizeOf count the data only.
type protoLike struct {
	state   *protoRegistry
	Type    *int32
	Entries []*protoEntry
	cache   []byte
}

type protoEntry struct {
	state *protoRegistry
	Term  *uint64
	Data  []byte
}

type protoRegistry struct {
	types map[string]*protoRegistry
	blob  []byte
}

func bigRegistry() *protoRegistry {
	r := &protoRegistry{types: map[string]*protoRegistry{}, blob: make([]byte, 1<<20)}
	for i := 0; i < 1000; i++ {
		r.types[fmt.Sprint(i)] = &protoRegistry{blob: make([]byte, 1<<10), types: map[string]*protoRegistry{"self": r}}
	}
	return r
}

// ptrSized reports its size from a pointer receiver, as generated code
// often does.
type ptrSized struct{ N int }

func (p *ptrSized) Size() int { return 100 + p.N }

// marshalled encodes itself: gob would send its MarshalBinary bytes.
type marshalled struct{ n int }

func (m marshalled) MarshalBinary() ([]byte, error) { return make([]byte, m.n), nil }

// TestSizeOfCountsWhatCrossesTheWire: unexported fields are not walked (a
// protobuf-shaped message with one entry is measured by its data, not by
// the megabytes its internal state points to), Size with a pointer receiver
// and types that marshal themselves are honoured, also as fields.
func TestSizeOfCountsWhatCrossesTheWire(t *testing.T) {
	reg := bigRegistry()
	typ, term := int32(3), uint64(7)
	msg := protoLike{state: reg, Type: &typ, cache: make([]byte, 1<<20),
		Entries: []*protoEntry{{state: reg, Term: &term, Data: []byte("0123456789")}}}
	// struct(1) + Type field(1+1) + Entries field(1 + len 1 + entry(1 + Term 1+1 + Data 1+11))
	want := 1 + 2 + (1 + 1 + (1 + 2 + 12))
	if got := sim.SizeOf(msg); got != want {
		t.Errorf("SizeOf(protobuf-shaped message) = %d; want %d, its exported data", got, want)
	}
	if got := sim.SizeOf(&msg); got != want {
		t.Errorf("SizeOf(&message) = %d; want %d", got, want)
	}
	tests := []struct {
		name string
		msg  any
		want int
	}{
		{"pointer-receiver Size on a value", ptrSized{N: 5}, 105},
		{"pointer-receiver Size on a pointer", &ptrSized{N: 6}, 106},
		{"sized field", struct{ P ptrSized }{ptrSized{N: 1}}, 1 + 1 + 101},
		{"marshals itself", marshalled{n: 300}, 3 + 300}, // gob: a byte count, two bytes of length, the data
		{"marshalling field", struct{ M marshalled }{marshalled{n: 10}}, 1 + 1 + 11},
		{"unexported fields only", halfHidden{Visible: 1, secret: strings.Repeat("x", 1000)}, 1 + 1 + 1},
	}
	for _, tc := range tests {
		if got := sim.SizeOf(tc.msg); got != tc.want {
			t.Errorf("%s: SizeOf = %d; want %d", tc.name, got, tc.want)
		}
	}
}

// sized is a message that reports its own size.
type sized struct{ n int }

func (s sized) Size() int { return s.n }

// TestSizeOfAllocs: measuring a small message allocates nothing.
func TestSizeOfAllocs(t *testing.T) {
	msgs := []any{
		num{12345},
		struct {
			A, B int64
			S    string
			F    float64
		}{1, 2, "hello", 3},
		strictWellFormed{Name: "x", Nums: []int{1, 2, 3}, Items: [][]string{{"a"}}},
		sized{n: 3},
	}
	for _, m := range msgs {
		if a := testing.AllocsPerRun(100, func() { sim.SizeOf(m) }); a != 0 {
			t.Errorf("SizeOf(%T) allocates %.1f times per call; want 0", m, a)
		}
	}
}

// TestStrictManyTypes: a long strict run mixing message types, interface
// payloads and duplicates delivers every message as an equal copy. (Strict
// mode keeps one gob stream per World; type descriptions must not leak from
// one message into the next.)
func TestStrictManyTypes(t *testing.T) {
	seven := 7
	msgs := []any{
		num{1},
		strictWellFormed{Name: "a", Any: strictPayload{X: 1}, Nums: []int{1}},
		"plain string",
		&num{2},
		[]int{3, 4},
		strictWellFormed{Name: "b", Any: 17, M: map[string][]int{"x": {1}}, P: &seven},
		map[string]num{"k": {5}},
		strictWellFormed{Name: "c", Any: "text", Items: [][]string{{"z"}}},
		num{1 << 40},
	}
	link := sim.LinkConfig{LatencyMin: time.Millisecond, Dup: 0.3}
	w := sim.New(3, sim.Config{Strict: true, Link: &link})
	var got []any
	w.AddNode("sender", func() node.Handler {
		i := 0
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev.(type) {
			case *node.Start, *node.Timeout:
				if i < 5*len(msgs) {
					env.Send(1, msgs[i%len(msgs)])
					i++
					env.SetTimer(10*time.Millisecond, nil)
				}
			}
		})
	})
	w.AddNode("receiver", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if r, ok := ev.(*node.Recv); ok {
				got = append(got, r.Msg)
			}
		})
	})
	if err := w.RunFor(time.Minute); err != nil {
		t.Fatalf("strict run failed: %v", err)
	}
	if want := int64(5*len(msgs)) + w.Stats().Duplicated; int64(len(got)) != want || w.Stats().Duplicated == 0 {
		t.Fatalf("received %d messages (%d duplicated); want %d and some duplicates", len(got), w.Stats().Duplicated, want)
	}
	i := 0
	for k, m := range got {
		want := msgs[i%len(msgs)]
		if !reflect.DeepEqual(m, want) {
			// a duplicate of the previous message
			if prev := msgs[(i+len(msgs)-1)%len(msgs)]; k > 0 && reflect.DeepEqual(m, prev) {
				continue
			}
			t.Fatalf("message %d: got %#v; want %#v", k, m, want)
		}
		i++
	}
}
