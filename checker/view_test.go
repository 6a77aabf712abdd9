package checker

import (
	"strings"
	"testing"
	"time"
)

// TestViewOfAStaleRead: the view of a history with a stale read orders
// what linearizes, with the state after each step, names the stale get as
// the first operation no order admits, and keeps who issued and answered
// each operation.
func TestViewOfAStaleRead(t *testing.T) {
	ms := time.Millisecond
	rec := NewRecorder(func() time.Duration { return 0 })
	now := time.Duration(0)
	rec.now = func() time.Duration { return now }
	where := [2]string{}
	rec.Locate(func() (string, string) { return where[0], where[1] })
	step := func(client int, node string, in KVInput, out KVOutput, call, ret time.Duration) {
		now, where = call, [2]string{node, ""}
		id := rec.Call(client, in)
		now, where = ret, [2]string{node, "s1"}
		rec.Return(id, out)
	}
	step(0, "c0", KVInput{Op: Put, Key: "x", Value: "1"}, KVOutput{}, 0, 10*ms)
	step(1, "c1", KVInput{Op: Put, Key: "x", Value: "2"}, KVOutput{}, 20*ms, 30*ms)
	step(0, "c0", KVInput{Op: Get, Key: "x"}, KVOutput{Value: "1"}, 40*ms, 50*ms) // stale
	step(1, "c1", KVInput{Op: Get, Key: "y"}, KVOutput{Value: ""}, 40*ms, 50*ms)
	res := CheckLinearizable(KVModel, rec.Ops(), 0)
	if res.Outcome != NotLinearizable {
		t.Fatalf("outcome %s", res.Outcome)
	}
	v := res.View()
	if len(v.Ops) != 4 || v.Ops[2].Node != "c0" || v.Ops[2].AnsweredBy != "s1" || !strings.HasPrefix(v.Ops[2].Description, "get") {
		t.Fatalf("ops %+v", v.Ops)
	}
	var x *PartitionView
	for i := range v.Partitions {
		if v.Partitions[i].Key == "x" {
			x = &v.Partitions[i]
		} else if v.Partitions[i].FirstIllegal != -1 {
			t.Errorf("partition %q linearizes, yet names operation %d", v.Partitions[i].Key, v.Partitions[i].FirstIllegal)
		}
	}
	if x == nil || x.FirstIllegal != 2 {
		t.Fatalf("partition x: %+v, want the stale get (2) first illegal", x)
	}
	if len(x.Linearization) != 2 || x.States[len(x.States)-1] != `"2"` && x.States[len(x.States)-1] != "2" {
		t.Errorf("order %v, states %v: want both puts, ending in state 2", x.Linearization, x.States)
	}
}
