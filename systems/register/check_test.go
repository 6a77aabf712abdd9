package register

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func w(client node.ID, seq uint64, value string, call, ret int) Op {
	return Op{Client: client, Write: true, Value: value, Tag: Tag{Seq: seq, Writer: client}, Call: ms(call), Return: ms(ret), Done: true}
}

func r(client node.ID, tag Tag, value string, call, ret int) Op {
	return Op{Client: client, Value: value, Tag: tag, Call: ms(call), Return: ms(ret), Done: true}
}

func TestCheckHistory(t *testing.T) {
	t1 := Tag{Seq: 1, Writer: 7}
	t2 := Tag{Seq: 2, Writer: 8}
	tests := []struct {
		name    string
		ops     []Op
		wantErr string // empty: legal
	}{
		{"empty", nil, ""},
		{"read of the initial value", []Op{r(1, Tag{}, "", 0, 5)}, ""},
		{"write then read", []Op{w(7, 1, "a", 0, 5), r(1, t1, "a", 6, 9)}, ""},
		{"concurrent read may see old or new", []Op{w(7, 1, "a", 0, 10), r(1, Tag{}, "", 2, 4), r(2, t1, "a", 3, 5)}, ""},
		{"read may see a pending write", []Op{{Client: 7, Write: true, Value: "a", Tag: t1, Call: ms(0)}, r(1, t1, "a", 2, 4)}, ""},
		{"stale read after a write returned", []Op{w(7, 1, "a", 0, 5), r(1, Tag{}, "", 6, 9)}, "not atomic"},
		{"new-old inversion between two readers", []Op{
			w(7, 1, "a", 0, 5), w(8, 2, "b", 10, 30), r(1, t2, "b", 12, 14), r(2, t1, "a", 15, 17)}, "not atomic"},
		{"read of a value never written", []Op{r(1, t1, "zzz", 0, 5)}, "no write produced"},
		{"read value disagrees with its tag", []Op{w(7, 1, "a", 0, 5), r(1, t1, "b", 6, 9)}, "no write produced"},
		{"two writes share a tag", []Op{w(7, 1, "a", 0, 5), w(7, 1, "b", 6, 9)}, "share tag"},
		{"later write with an older tag (a lost write)", []Op{w(8, 2, "b", 0, 5), w(7, 1, "a", 6, 9)}, "not atomic"},
		{"write reusing the tag a finished read saw", []Op{
			{Client: 8, Write: true, Value: "b", Tag: t2, Call: ms(0)}, r(1, t2, "b", 1, 3),
			// The same tag reappearing on a write invoked after the read returned
			// is impossible: its query phase would have seen t2.
			{Client: 8, Write: true, Value: "b", Tag: t2, Call: ms(4), Return: ms(6), Done: true}}, "share tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckHistory(tt.ops)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("CheckHistory = %v, want legal", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("CheckHistory = nil, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("CheckHistory = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStateEncoding(t *testing.T) {
	for _, v := range []string{"", "x", strings.Repeat("v", 1000)} {
		tag := Tag{Seq: 42, Writer: 3}
		b := encodeState(tag, v)
		gotTag, gotV, ok := decodeState(b)
		if !ok || gotTag != tag || gotV != v {
			t.Errorf("decode(encode(%v, %d bytes)) = %v, %d bytes, %v", tag, len(v), gotTag, len(gotV), ok)
		}
		for cut := 0; cut < len(b); cut++ {
			if _, _, ok := decodeState(b[:cut]); ok {
				t.Fatalf("a %d-byte prefix of a %d-byte state decoded", cut, len(b))
			}
		}
		b[len(b)/2] ^= 1
		if _, _, ok := decodeState(b); ok {
			t.Errorf("a state with a flipped bit decoded")
		}
	}
}
