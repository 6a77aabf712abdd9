package violations

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Nothing in this file may be reported.

const tick = 10 * time.Millisecond

type fakeClock struct{}

func (fakeClock) Now() time.Duration { return tick }

func allowed(m map[string]int, s []int, deadline time.Time) int {
	n := 0
	for _, v := range s {
		n += v
	}
	for i := range 3 {
		n += i
	}
	//simlab:unordered summing is commutative
	for _, v := range m {
		n += v
	}
	for _, k := range node.SortedKeys(m) {
		n += m[k]
	}
	for range m { //simlab:unordered counting, order irrelevant
		n++
	}
	//simlab:unordered the label line counts as the loop's line
outer:
	for k := range m {
		if k == "" {
			break outer
		}
	}
	keys := slices.Collect(func(yield func(string) bool) {
		for _, k := range node.SortedKeys(m) {
			if !yield(k) {
				return
			}
		}
	})
	n += len(keys)
	// A local variable named time shadows the package.
	time := fakeClock{}
	if deadline.After(deadline) {
		n++
	}
	return n + int(time.Now())
}

var errSentinel = errors.New("a sentinel error")

var _ fmt.Stringer = stringer{}

type stringer struct{}

func (stringer) String() string { return fmt.Sprint(errSentinel) }

//simlab:readonly a lookup table nothing writes
var names = []string{"a", "b"}

//simlab:readonly a group of tables, written only at init
var (
	primes = []int{2, 3, 5}
	evens  = []int{2, 4}
)

func useTables() int { return len(names) + len(primes) + len(evens) }
