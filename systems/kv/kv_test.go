package kv

import (
	"testing"

	"github.com/simlab-go/simlab/systems/rsm"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, cmd := range []any{
		rsm.Command{ClientID: 1 << 60, Seq: 7, Op: Op{Kind: Append, Key: "k", Value: "v v"}},
		rsm.Command{ClientID: 3, Seq: 1, Op: Op{Kind: Get, Key: ""}},
		rsm.Command{ClientID: 3, Seq: 2, Op: Op{Kind: Put, Key: "a longer key", Value: ""}},
		42, "not an op",
	} {
		data, err := codec{}.Encode(cmd)
		if err != nil {
			t.Fatalf("Encode(%v): %v", cmd, err)
		}
		got, err := codec{}.Decode(data)
		if err != nil || got != cmd {
			t.Errorf("Decode(Encode(%#v)) = %#v, %v", cmd, got, err)
		}
	}
	if _, err := (codec{}).Encode(rsm.Command{Op: Op{Kind: "delete"}}); err == nil {
		t.Error("an unknown operation kind encoded")
	}
	for _, bad := range [][]byte{{opTag, 9}, {opTag, 0, 0x80}, {opTag, 0, 1, 1, 5, 'k'}} {
		if _, err := (codec{}).Decode(bad); err == nil {
			t.Errorf("Decode(%v) succeeded", bad)
		}
	}
}

func TestStoreSnapshotIsCanonical(t *testing.T) {
	a, b := newStore(), newStore()
	for _, op := range []Op{{Put, "x", "1"}, {Append, "y", "2"}, {Append, "x", "3"}, {Put, "z", ""}} {
		a.Apply(op)
	}
	for _, op := range []Op{{Put, "z", ""}, {Append, "y", "2"}, {Put, "x", "13"}} {
		b.Apply(op)
	}
	if string(a.Snapshot()) != string(b.Snapshot()) {
		t.Error("equal states give different snapshot bytes")
	}
	c := newStore()
	c.Restore(a.Snapshot())
	if got := c.Apply(Op{Kind: Get, Key: "x"}); got != "13" {
		t.Errorf("x after restore = %v, want 13", got)
	}
}
