package sim

import (
	cryptorand "crypto/rand"
	"io"
	"runtime"
	"sync"
	"weak"

	"github.com/simlab-go/simlab/sim/node"
)

// Routing crypto/rand into the run.
//
// A dependency a node hosts may draw randomness from crypto/rand (etcd's
// Raft draws its election jitter from crypto/rand.Reader), which no seed
// controls: two runs of one seed then differ. The first World a process
// makes replaces crypto/rand.Reader with a router. A read on a goroutine
// that drives a World, from inside one of its nodes' handlers (or a node's
// factory), is answered from a stream of that node incarnation, derived from
// the run's seed and independent of Env.Rand; any other read goes to the
// operating system's generator as before. So such a dependency is
// deterministic with no change to it or to the host, and several worlds
// driven at once on different goroutines (a parallel sweep) each draw from
// their own runs.
//
// A World belongs to the goroutine that made it; drive it from that
// goroutine (simrun and the scenario runner do) or its nodes' reads fall
// through to the real generator, which -check-determinism reports. The
// top-level functions of math/rand and math/rand/v2 cannot be routed: a
// dependency that uses them must be given a source (a *node.Rand is an
// io.Reader, and Env.Rand returns one) or patched.

var (
	routeOnce sync.Once
	routeMu   sync.Mutex
	// byGoroutine lists, per goroutine (goroutineKey), the worlds made
	// on it. A key may outlive its goroutine and be reused by a new one;
	// the new goroutine then sees worlds that are never inside a
	// handler on it, which it skips.
	byGoroutine = map[uint64][]weak.Pointer[World]{}
)

// cryptoRouter is what crypto/rand.Reader becomes.
type cryptoRouter struct{ system io.Reader }

func (r cryptoRouter) Read(p []byte) (int, error) {
	if st := currentStream(); st != nil {
		return st.Read(p)
	}
	return r.system.Read(p)
}

// registerWorld routes crypto/rand for w's nodes from now on.
func registerWorld(w *World) {
	routeOnce.Do(func() { cryptorand.Reader = cryptoRouter{system: cryptorand.Reader} })
	g := goroutineKey()
	routeMu.Lock()
	list := byGoroutine[g][:0:0]
	for _, p := range byGoroutine[g] {
		if p.Value() != nil {
			list = append(list, p)
		}
	}
	byGoroutine[g] = append(list, weak.Make(w))
	routeMu.Unlock()
	runtime.AddCleanup(w, forget, g)
}

// forget drops the dead worlds of goroutine g, and g itself once none is
// left.
func forget(g uint64) {
	routeMu.Lock()
	defer routeMu.Unlock()
	var list []weak.Pointer[World]
	for _, p := range byGoroutine[g] {
		if p.Value() != nil {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		delete(byGoroutine, g)
	} else {
		byGoroutine[g] = list
	}
}

// currentStream is the stream of the node whose handler (or factory) runs
// on the calling goroutine, or nil.
func currentStream() *node.Rand {
	g := goroutineKey()
	routeMu.Lock()
	list := byGoroutine[g]
	routeMu.Unlock()
	for _, p := range list {
		w := p.Value()
		if w == nil {
			continue
		}
		var n *nodeState
		switch {
		case w.running != nil:
			n = w.running.n
		case w.booting != nil:
			n = w.booting
		default:
			continue
		}
		if n.cryptoRand == nil {
			n.cryptoRand = node.NewRand(node.Mix(w.seed, node.HashString("crypto/rand"), uint64(n.id), uint64(n.inc)))
		}
		return n.cryptoRand
	}
	return nil
}
