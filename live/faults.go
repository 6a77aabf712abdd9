package live

import (
	"sync"

	"github.com/simlab-go/simlab/sim/node"
)

// Faults is the transport's fault layer: links cut at this node (messages
// to and from a cut peer are dropped here, both ways), and a loss rate for
// every message sent. It is what a test or an operator uses to partition a
// live cluster: cutting s0 from s1 and s2 at s0 isolates s0, whatever the
// others do. The zero value injects nothing; it is safe for concurrent use.
type Faults struct {
	mu   sync.Mutex
	cut  map[node.ID]bool
	loss float64
	rand *node.Rand
}

// Cut cuts the links between this node and peers.
func (f *Faults) Cut(peers ...node.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cut == nil {
		f.cut = map[node.ID]bool{}
	}
	for _, p := range peers {
		f.cut[p] = true
	}
}

// Heal restores the links to peers, or every link when none is named, and
// sets the loss rate back to zero in that case.
func (f *Faults) Heal(peers ...node.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(peers) == 0 {
		f.cut = nil
		f.loss = 0
		return
	}
	for _, p := range peers {
		delete(f.cut, p)
	}
}

// SetLoss drops each message sent with probability p (0 ≤ p ≤ 1).
func (f *Faults) SetLoss(p float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loss = min(max(p, 0), 1)
	if f.rand == nil {
		f.rand = node.NewRand(osSeed())
	}
}

// Cuts lists the peers whose links are cut, in order.
func (f *Faults) Cuts() []node.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return node.SortedKeys(f.cut)
}

// Loss is the loss rate.
func (f *Faults) Loss() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loss
}

// dropSend says whether a message to peer is dropped.
func (f *Faults) dropSend(peer node.ID) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cut[peer] {
		return true
	}
	return f.loss > 0 && f.rand.Float64() < f.loss
}

// dropRecv says whether a message from peer is dropped.
func (f *Faults) dropRecv(peer node.ID) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cut[peer]
}
