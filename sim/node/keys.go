package node

import (
	"cmp"
	"slices"
)

// SortedKeys returns the keys of m in ascending order. Ranging over a map
// directly lets Go's randomized iteration order leak into behaviour; iterate
// over SortedKeys(m) instead.
func SortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	//simlab:unordered the keys are sorted before anyone sees them
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
