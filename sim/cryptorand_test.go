package sim_test

import (
	"bytes"
	cryptorand "crypto/rand"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// jittery is a node whose "dependency" draws from crypto/rand the way
// etcd's Raft does (rand.Int(rand.Reader, n)): in its factory, at start and
// at every timer, which it sets for the drawn number of milliseconds.
func jittery(draws *[]string) node.Factory {
	return func() node.Handler {
		v, _ := cryptorand.Int(cryptorand.Reader, big.NewInt(1000))
		*draws = append(*draws, "factory "+v.String())
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev.(type) {
			case *node.Start, *node.Timeout:
				v, _ := cryptorand.Int(cryptorand.Reader, big.NewInt(100))
				var b [3]byte
				cryptorand.Read(b[:])
				*draws = append(*draws, fmt.Sprintf("%v %d %x", env.Now(), v, b))
				env.SetTimer(time.Duration(v.Int64()+1)*time.Millisecond, nil)
			}
		})
	}
}

// jitteryRun runs two jittery nodes for a second, restarting one midway,
// and returns every draw and the fingerprint.
func jitteryRun(t *testing.T, seed uint64) ([]string, uint64) {
	var draws []string
	w := sim.New(seed, sim.Config{})
	a := w.AddNode("a", jittery(&draws))
	w.AddNode("b", jittery(&draws))
	w.At(500*time.Millisecond, "restart a", func() { w.Restart(a) })
	if err := w.RunFor(time.Second); err != nil {
		t.Error(err)
	}
	return draws, w.Fingerprint()
}

// TestCryptoRandIsRoutedIntoTheRun: a dependency drawing from crypto/rand
// inside handlers and factories draws the same numbers in two runs of one
// seed, other numbers for another seed, and the same again while several
// worlds run at once on other goroutines and a goroutine outside any world
// reads crypto/rand all along.
func TestCryptoRandIsRoutedIntoTheRun(t *testing.T) {
	first, fp1 := jitteryRun(t, 7)
	again, fp2 := jitteryRun(t, 7)
	if fmt.Sprint(first) != fmt.Sprint(again) || fp1 != fp2 {
		t.Fatalf("two runs of seed 7 drew differently:\n%v\n%v", first, again)
	}
	if other, _ := jitteryRun(t, 8); fmt.Sprint(other) == fmt.Sprint(first) {
		t.Fatalf("seeds 7 and 8 drew the same numbers: the draws do not come from the seed")
	}
	if len(first) < 20 {
		t.Fatalf("only %d draws; the scenario did not exercise the router", len(first))
	}
	stop := make(chan struct{})
	outside := make(chan [][]byte)
	go func() {
		var got [][]byte
		for {
			select {
			case <-stop:
				outside <- got
				return
			default:
				b := make([]byte, 16)
				cryptorand.Read(b)
				got = append(got, b)
			}
		}
	}()
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, _ := jitteryRun(t, 7)
			results[i] = fmt.Sprint(d)
		}()
	}
	wg.Wait()
	close(stop)
	got := <-outside
	for i, r := range results {
		if r != fmt.Sprint(first) {
			t.Errorf("world %d of 8 run at once drew differently from the same seed run alone", i)
		}
	}
	// The outside reader got the system's randomness, not a run's stream:
	// no two of its reads agree.
	seen := map[string]bool{}
	for _, b := range got {
		if seen[string(b)] {
			t.Fatalf("a goroutine outside every world read the same 16 bytes twice: its reads are not the system's")
		}
		seen[string(b)] = true
	}
}

// TestRandIsAReader: a node.Rand fills any length deterministically.
func TestRandIsAReader(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 100} {
		a, b := make([]byte, n), make([]byte, n)
		if k, err := node.NewRand(3).Read(a); k != n || err != nil {
			t.Fatalf("Read(%d bytes) = %d, %v", n, k, err)
		}
		node.NewRand(3).Read(b)
		if !bytes.Equal(a, b) {
			t.Fatalf("two streams of one seed read %x and %x", a, b)
		}
		if n >= 8 && bytes.Equal(a, make([]byte, n)) {
			t.Fatalf("Read left %d bytes zero", n)
		}
	}
}

// TestGoroutineIdentity: the key that routes crypto/rand reads is stable on
// one goroutine and differs between goroutines alive at once, for both the
// fast key and the portable one.
func TestGoroutineIdentity(t *testing.T) {
	for name, key := range map[string]func() uint64{"key": sim.GoroutineKeyForTest, "id": sim.GoroutineIDForTest} {
		a, b := key(), key()
		if a != b || a == 0 {
			t.Errorf("%s: %d then %d on one goroutine; want one non-zero value", name, a, b)
		}
		other := make(chan uint64)
		release := make(chan struct{})
		go func() { other <- key(); <-release }()
		if o := <-other; o == a {
			t.Errorf("%s: two live goroutines share %d", name, a)
		}
		close(release)
	}
}
