package node

import (
	"math"
	"math/bits"
	"time"
)

// Rand is a small, fast, deterministic random stream (xoshiro256**, seeded by
// splitmix64). It is the only source of randomness a node may use. The zero
// value is not usable; get one from Env.Rand or NewRand.
type Rand struct {
	s0, s1, s2, s3 uint64
}

// NewRand returns a stream seeded from seed.
func NewRand(seed uint64) *Rand {
	r := &Rand{}
	r.Seed(seed)
	return r
}

// Seed resets the stream to the state derived from seed.
func (r *Rand) Seed(seed uint64) {
	x := seed
	r.s0 = splitmix(&x)
	r.s1 = splitmix(&x)
	r.s2 = splitmix(&x)
	r.s3 = splitmix(&x)
}

func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Mix hashes a seed with labels into a new seed; streams derived with
// different labels are independent. Mix(seed, HashString("network"), 3)
// could name the network stream of node 3, for instance.
func Mix(seed uint64, labels ...uint64) uint64 {
	h := seed
	for _, l := range labels {
		h ^= l + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h = splitmix(&h)
	}
	return h
}

// HashString maps a label to a uint64 for Mix (FNV-1a).
func HashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Uint64 returns 64 uniformly random bits.
func (r *Rand) Uint64() uint64 {
	result := bits.RotateLeft64(r.s1*5, 7) * 9
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft64(r.s3, 45)
	return result
}

// Uint64N returns a uniform value in [0, n); n must be positive.
func (r *Rand) Uint64N(n uint64) uint64 {
	if n == 0 {
		panic("node: Rand.Uint64N with n == 0")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// IntN returns a uniform value in [0, n); n must be positive.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		panic("node: Rand.IntN with n <= 0")
	}
	return int(r.Uint64N(uint64(n)))
}

// Float64 returns a uniform value in [0, 1).
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) / (1 << 53)
}

// Chance returns true with probability p.
func (r *Rand) Chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return r.Float64() < p
}

// Duration returns a uniform duration in [lo, hi]; lo when hi <= lo.
func (r *Rand) Duration(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Uint64N(uint64(hi-lo)+1))
}

// ExpFloat64 returns an exponentially distributed value with mean 1.
func (r *Rand) ExpFloat64() float64 {
	u := r.Float64()
	// -ln(1-u), with u in [0,1) so the argument is in (0,1].
	return -math.Log1p(-u)
}

// Perm returns a random permutation of [0, n).
func (r *Rand) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Read fills p with random bytes and never fails, so a Rand is an
// io.Reader: hand it to a dependency that takes a source of randomness, and
// its draws come from the run's seed.
func (r *Rand) Read(p []byte) (int, error) {
	n := len(p)
	for len(p) >= 8 {
		v := r.Uint64()
		for i := 0; i < 8; i++ {
			p[i] = byte(v >> (8 * i))
		}
		p = p[8:]
	}
	if len(p) > 0 {
		v := r.Uint64()
		for i := range p {
			p[i] = byte(v >> (8 * i))
		}
	}
	return n, nil
}

// Shuffle randomizes the order of n elements with swap (Fisher–Yates).
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.IntN(i+1))
	}
}
