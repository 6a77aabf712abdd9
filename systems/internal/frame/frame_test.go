package frame

import (
	"bytes"
	"testing"
)

func TestRecordsReadBackAndATornOneStops(t *testing.T) {
	var b []byte
	for _, p := range []string{"one", "", "three"} {
		b = Append(b, []byte(p))
	}
	whole := len(b)
	b = Append(b, []byte("torn record"))
	for cut := whole; cut < len(b); cut++ {
		var got []string
		rest := b[:cut]
		for {
			p, r, ok := Next(rest)
			if !ok {
				break
			}
			got = append(got, string(p))
			rest = r
		}
		if len(got) != 3 || got[2] != "three" || len(rest) != cut-whole {
			t.Fatalf("cut at %d: read %q, %d bytes left; want the three whole records and the torn rest", cut, got, len(rest))
		}
	}
	flipped := bytes.Clone(b)
	flipped[Header] ^= 1
	if _, _, ok := Next(flipped); ok {
		t.Error("a record with a flipped payload bit passes its checksum")
	}
}
