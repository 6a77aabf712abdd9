package checker

import "fmt"

// Durable checks one ordered value a node keeps on its disk and reveals in
// its messages (a register replica's tag, an acceptor's promise, a term):
// once another node has received a message saying the value reached v, the
// node must hold at least v after any crash. A replica that acknowledges a
// store before it is durable breaks it at the first restart that loses the
// store, where a history check needs a later read to land on the replicas
// that forgot it.
//
// A harness calls Revealed as a message reaches another node, and Check
// with the node's value when it restarts and whenever a message from an
// earlier incarnation arrives.
type Durable[V any] struct {
	what     string
	less     func(a, b V) bool
	format   func(V) string
	revealed map[int]V
}

// NewDurable returns a checker of a value named what (for its messages),
// ordered by less and printed by format.
func NewDurable[V any](what string, less func(a, b V) bool, format func(V) string) *Durable[V] {
	return &Durable[V]{what: what, less: less, format: format, revealed: map[int]V{}}
}

// Revealed records that node told another its value had reached v.
func (d *Durable[V]) Revealed(node int, v V) {
	if old, ok := d.revealed[node]; !ok || d.less(old, v) {
		d.revealed[node] = v
	}
}

// Check compares node's value now with the most it revealed.
func (d *Durable[V]) Check(node int, now V) error {
	r, ok := d.revealed[node]
	if !ok || !d.less(now, r) {
		return nil
	}
	return fmt.Errorf("node %d told another its %s was %s, and now holds %s: it must be durable before a message says so", node, d.what, d.format(r), d.format(now))
}
