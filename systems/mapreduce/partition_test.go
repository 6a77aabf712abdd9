package mapreduce

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPartition(t *testing.T) {
	// Known answers (FNV-1a, worked out independently) pin the function:
	// changing it would silently change which reducer owns which key.
	for _, tt := range []struct {
		key  string
		n    int
		want int
	}{{"", 10, 3}, {"a", 10, 2}, {"the", 7, 1}, {"MapReduce", 1, 0}} {
		if got := Partition(tt.key, tt.n); got != tt.want {
			t.Errorf("Partition(%q, %d) = %d; want %d", tt.key, tt.n, got, tt.want)
		}
	}
	const n, keys = 8, 8000
	count := make([]int, n)
	for i := range keys {
		p := Partition(fmt.Sprintf("key%d", i), n)
		if p < 0 || p >= n {
			t.Fatalf("Partition = %d; want within [0, %d)", p, n)
		}
		count[p]++
	}
	for p, c := range count {
		if c < keys/n*8/10 || c > keys/n*12/10 {
			t.Errorf("partition %d got %d of %d keys; want about %d (counts %v)", p, c, keys, keys/n, count)
		}
	}
}

func TestIntermediateEncoding(t *testing.T) {
	kvs := []KeyValue{{"a", "1"}, {"", ""}, {"naïve", "x y"}, {"b", string(make([]byte, 300))}}
	parts := partitionPairs(kvs, 3)
	var got []KeyValue
	for r, part := range parts {
		var err error
		if got, err = decodePairs(got, part); err != nil {
			t.Fatalf("part %d: %v", r, err)
		}
		for cut := range len(part) {
			if _, err := decodePairs(nil, part[:cut]); err == nil {
				t.Fatalf("part %d cut to %d of %d bytes decoded", r, cut, len(part))
			}
		}
		flipped := slices.Clone(part)
		flipped[0] ^= 0x40
		if _, err := decodePairs(nil, flipped); err == nil {
			t.Errorf("part %d with a flipped bit decoded", r)
		}
	}
	slices.SortStableFunc(got, func(a, b KeyValue) int { return cmpKey(a, b) })
	want := slices.Clone(kvs)
	slices.SortStableFunc(want, func(a, b KeyValue) int { return cmpKey(a, b) })
	if !slices.Equal(got, want) {
		t.Errorf("decoded %q; want %q", got, want)
	}
}

func cmpKey(a, b KeyValue) int {
	if a.Key < b.Key {
		return -1
	}
	if a.Key > b.Key {
		return 1
	}
	return 0
}

// TestDecodeErrorsSayWhatWasFound: a part that is not there, one too
// short for its checksum, and one whose checksum fails are told apart.
func TestDecodeErrorsSayWhatWasFound(t *testing.T) {
	part := partitionPairs([]KeyValue{{"a", "1"}}, 1)[0]
	flipped := slices.Clone(part)
	flipped[0] ^= 0x40
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{nil, "missing part"},
		{part[:2], "a part of 2 bytes, too short"},
		{flipped, "checksum does not match"},
	} {
		if _, err := decodePairs(nil, tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("decodePairs(%d bytes) = %v; want %q", len(tc.data), err, tc.want)
		}
	}
}
