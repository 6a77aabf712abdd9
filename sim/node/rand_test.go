package node

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"testing"
	"time"
)

// TestSplitmixKnownAnswer: seeding follows the published splitmix64
// sequence (seed 0: e220a8397b1dcdaf, 6e789e6aa1b965f4, ...).
func TestSplitmixKnownAnswer(t *testing.T) {
	r := NewRand(0)
	got := []uint64{r.s0, r.s1, r.s2, r.s3}
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec}
	if !slices.Equal(got, want) {
		t.Errorf("state after NewRand(0) = %x; want %x", got, want)
	}
}

// refXoshiro is xoshiro256** written from the paper, to check Uint64.
func refXoshiro(s *[4]uint64) uint64 {
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}

func TestUint64MatchesReference(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
		r := NewRand(seed)
		s := [4]uint64{r.s0, r.s1, r.s2, r.s3}
		for i := range 1000 {
			if got, want := r.Uint64(), refXoshiro(&s); got != want {
				t.Fatalf("seed %d draw %d: Uint64() = %x; want %x", seed, i, got, want)
			}
		}
	}
}

// TestRandDeterminism: one seed, one sequence; another seed, another; Seed
// resets a stream.
func TestRandDeterminism(t *testing.T) {
	draw := func(r *Rand) []uint64 {
		out := make([]uint64, 100)
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	a, b, c := draw(NewRand(7)), draw(NewRand(7)), draw(NewRand(8))
	if !slices.Equal(a, b) {
		t.Errorf("two streams of seed 7 differ")
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same != 0 {
		t.Errorf("seeds 7 and 8 agree on %d of 100 draws; want 0", same)
	}
	r := NewRand(7)
	r.Uint64()
	r.Seed(7)
	if got := draw(r); !slices.Equal(got, a) {
		t.Errorf("after Seed(7) the stream differs from NewRand(7)")
	}
}

// TestIntN: values stay in [0, n), and are roughly uniform.
func TestIntN(t *testing.T) {
	r := NewRand(1)
	for _, n := range []int{1, 2, 3, 7, 10, 1000, 1 << 40, math.MaxInt} {
		for range 2000 {
			if v := r.IntN(n); v < 0 || v >= n {
				t.Fatalf("IntN(%d) = %d; want within [0, %d)", n, v, n)
			}
		}
	}
	for _, n := range []uint64{1, 5, 1 << 63, math.MaxUint64} {
		for range 2000 {
			if v := r.Uint64N(n); v >= n {
				t.Fatalf("Uint64N(%d) = %d; want below %d", n, v, n)
			}
		}
	}
	const buckets, draws = 10, 100_000
	var count [buckets]int
	for range draws {
		count[r.IntN(buckets)]++
	}
	// Expected 10,000 per bucket, standard deviation ~95: allow 5σ.
	for i, c := range count {
		if c < 9_500 || c > 10_500 {
			t.Errorf("IntN(10) gave %d %d times in %d; want 10000 ± 500 (counts %v)", i, c, draws, count)
		}
	}
	// Small ranges hit every value, including both ends.
	seen := map[int]bool{}
	for range 200 {
		seen[r.IntN(3)] = true
	}
	if len(seen) != 3 {
		t.Errorf("IntN(3) over 200 draws gave %v; want 0, 1 and 2", seen)
	}
}

func TestRandPanics(t *testing.T) {
	r := NewRand(1)
	for name, fn := range map[string]func(){
		"IntN(0)":    func() { r.IntN(0) },
		"IntN(-1)":   func() { r.IntN(-1) },
		"Uint64N(0)": func() { r.Uint64N(0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic; want a panic", name)
				}
			}()
			fn()
		}()
	}
}

// TestDuration: Duration(lo, hi) stays within [lo, hi], reaches both ends of
// a small range, and returns lo when hi <= lo.
func TestDuration(t *testing.T) {
	r := NewRand(3)
	tests := []struct {
		lo, hi         time.Duration
		wantLo, wantHi time.Duration
		hitsBothEnds   bool
	}{
		{0, 0, 0, 0, true},
		{5, 5, 5, 5, true},
		{10, 5, 10, 10, true},
		{0, 3, 0, 3, true},
		{-3, 3, -3, 3, true},
		{time.Millisecond, 2 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, false},
		{0, math.MaxInt64, 0, math.MaxInt64, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v..%v", tc.lo, tc.hi), func(t *testing.T) {
			lo, hi := time.Duration(math.MaxInt64), time.Duration(math.MinInt64)
			for range 1000 {
				d := r.Duration(tc.lo, tc.hi)
				if d < tc.wantLo || d > tc.wantHi {
					t.Fatalf("Duration(%v, %v) = %v; want within [%v, %v]", tc.lo, tc.hi, d, tc.wantLo, tc.wantHi)
				}
				lo, hi = min(lo, d), max(hi, d)
			}
			if tc.hitsBothEnds && (lo != tc.wantLo || hi != tc.wantHi) {
				t.Errorf("1000 draws covered [%v, %v]; want [%v, %v]", lo, hi, tc.wantLo, tc.wantHi)
			}
		})
	}
}

// TestFloatChanceExp: Float64 in [0, 1) with mean 1/2; Chance(p) true with
// frequency p, never for p <= 0, always for p >= 1; ExpFloat64 non-negative
// with mean 1.
func TestFloatChanceExp(t *testing.T) {
	r := NewRand(9)
	const n = 100_000
	var sum, expSum float64
	hits := map[float64]int{}
	ps := []float64{-1, 0, 0.3, 0.9, 1, 2}
	for range n {
		f := r.Float64()
		if f < 0 || f >= 1 {
			t.Fatalf("Float64() = %v; want within [0, 1)", f)
		}
		sum += f
		e := r.ExpFloat64()
		if e < 0 || math.IsInf(e, 0) || math.IsNaN(e) {
			t.Fatalf("ExpFloat64() = %v; want finite and non-negative", e)
		}
		expSum += e
		for _, p := range ps {
			if r.Chance(p) {
				hits[p]++
			}
		}
	}
	if m := sum / n; math.Abs(m-0.5) > 0.01 {
		t.Errorf("mean of Float64 = %.4f; want 0.5 ± 0.01", m)
	}
	if m := expSum / n; math.Abs(m-1) > 0.02 {
		t.Errorf("mean of ExpFloat64 = %.4f; want 1 ± 0.02", m)
	}
	for _, p := range ps {
		want := math.Max(0, math.Min(1, p))
		if got := float64(hits[p]) / n; math.Abs(got-want) > 0.01 {
			t.Errorf("Chance(%v) frequency %.4f; want %.2f ± 0.01", p, got, want)
		}
	}
}

// TestPerm: Perm(n) is a permutation of [0, n), and every order of three
// occurs about equally often.
func TestPerm(t *testing.T) {
	r := NewRand(5)
	for _, n := range []int{0, 1, 2, 5, 100} {
		p := r.Perm(n)
		if len(p) != n {
			t.Fatalf("len(Perm(%d)) = %d", n, len(p))
		}
		sorted := slices.Sorted(slices.Values(p))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("Perm(%d) = %v; not a permutation of [0, %d)", n, p, n)
			}
		}
	}
	if a, b := r.Perm(100), r.Perm(100); slices.Equal(a, b) {
		t.Errorf("two draws of Perm(100) are equal; want different orders")
	}
	counts := map[string]int{}
	const draws = 60_000
	for range draws {
		counts[fmt.Sprint(r.Perm(3))]++
	}
	if len(counts) != 6 {
		t.Fatalf("Perm(3) gave %d distinct orders; want 6 (%v)", len(counts), counts)
	}
	for k, c := range counts {
		if c < 9_500 || c > 10_500 {
			t.Errorf("Perm(3) gave %s %d times in %d; want 10000 ± 500", k, c, draws)
		}
	}
	// Shuffle over a slice keeps its elements.
	s := []string{"a", "b", "c", "d", "e"}
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	if got := slices.Sorted(slices.Values(s)); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("Shuffle lost or duplicated elements: %v", s)
	}
}

// TestMix: Mix derives independent seeds: different labels, label orders or
// seeds give different results; the same inputs the same result.
func TestMix(t *testing.T) {
	if a, b := Mix(1, 2, 3), Mix(1, 2, 3); a != b {
		t.Errorf("Mix(1, 2, 3) gave %x, then %x: not a function of its inputs", a, b)
	}
	tests := []struct {
		name string
		a, b uint64
	}{
		{"labels", Mix(1, 2), Mix(1, 3)},
		{"seeds", Mix(1, 2), Mix(2, 2)},
		{"order", Mix(1, 2, 3), Mix(1, 3, 2)},
		{"arity", Mix(1, 2), Mix(1, 2, 0)},
		{"string labels", Mix(1, HashString("net")), Mix(1, HashString("sched"))},
	}
	for _, tc := range tests {
		if tc.a == tc.b {
			t.Errorf("%s: Mix gave %x for both; want different seeds", tc.name, tc.a)
		}
	}
	seen := map[uint64]uint64{}
	for l := range uint64(10_000) {
		m := Mix(42, HashString("node"), l)
		if prev, dup := seen[m]; dup {
			t.Fatalf("Mix(42, node, %d) == Mix(42, node, %d)", l, prev)
		}
		seen[m] = l
	}
	// Streams from different labels share no draws position by position.
	a, b := NewRand(Mix(42, 1)), NewRand(Mix(42, 2))
	for i := range 1000 {
		if a.Uint64() == b.Uint64() {
			t.Errorf("streams of labels 1 and 2 agree at draw %d", i)
		}
	}
}

// TestHashString: HashString is 64-bit FNV-1a.
func TestHashString(t *testing.T) {
	for _, s := range []string{"", "a", "net", "stream:faults", "ünïcode"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := HashString(s), h.Sum64(); got != want {
			t.Errorf("HashString(%q) = %x; want FNV-1a %x", s, got, want)
		}
	}
}
