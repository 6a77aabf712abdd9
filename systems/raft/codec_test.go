package raft

import (
	"encoding/gob"
	"testing"
)

type structCmd struct {
	A int
	B string
}

func TestGobCodecRoundTrip(t *testing.T) {
	gob.Register(structCmd{})
	for _, cmd := range []any{0, -7, 1 << 40, "", "hello", structCmd{3, "x"}, []byte("bytes")} {
		data, err := GobCodec{}.Encode(cmd)
		if err != nil {
			t.Fatalf("Encode(%v): %v", cmd, err)
		}
		got, err := GobCodec{}.Decode(data)
		if err != nil {
			t.Fatalf("Decode(Encode(%v)): %v", cmd, err)
		}
		if b, ok := cmd.([]byte); ok {
			if len(data) != len(b)+1 {
				t.Errorf("a %d-byte command encodes to %d bytes; want its bytes and one tag byte, no gob", len(b), len(data))
			}
			if string(got.([]byte)) != string(b) {
				t.Errorf("round trip of %v gave %v", cmd, got)
			}
			continue
		}
		if got != cmd {
			t.Errorf("round trip of %#v gave %#v", cmd, got)
		}
	}
	for _, bad := range [][]byte{nil, {9}, {codecInt}, {codecInt, 0x80}} {
		if _, err := (GobCodec{}).Decode(bad); err == nil {
			t.Errorf("Decode(%v) succeeded", bad)
		}
	}
}
