package checker

import (
	"fmt"
	"slices"
)

// Replicas checks that a backup holds its primary's data once both applied
// the same operations: call it when the primary of view viewnum has just
// applied request req, which its backup acknowledged having applied, and
// neither has moved to another view or restarted since. A key missing
// from one replica counts as holding "", the value a read of it returns.
func (p *PrimaryBackup) Replicas(primary, backup int, viewnum uint64, req RequestID, primaryData, backupData map[string]string) error {
	if sameData(primaryData, backupData) {
		return nil
	}
	keys := make([]string, 0, len(primaryData)+len(backupData))
	for k := range primaryData {
		keys = append(keys, k)
	}
	for k := range backupData {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		a, b := primaryData[k], backupData[k]
		if a != b {
			return fmt.Errorf("after %s, primary of view %d, applied %s, which its backup %s acknowledged, key %q differs: %s at %s, %s at %s: a backup must hold its primary's state",
				p.name(primary), viewnum, pbRequestName(p.Clients, req), p.name(backup), k, valueFrom(a, b), p.name(primary), valueFrom(b, a), p.name(backup))
		}
	}
	return nil
}

// valueFrom shows a from where it parts from b, with its length: long
// values differ near their end.
func valueFrom(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-12)
	tail := a[from:]
	if len(tail) > 40 {
		tail = tail[:40] + "…"
	}
	if from > 0 {
		return fmt.Sprintf("%d bytes, …%q from byte %d", len(a), tail, from)
	}
	return fmt.Sprintf("%q", tail)
}

// sameData reports whether a and b hold the same value for every key, a
// missing key holding "".
func sameData(a, b map[string]string) bool {
	for k, v := range a { // any order: one answer
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
