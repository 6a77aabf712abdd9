package register

import (
	"cmp"
	"fmt"
	"slices"
)

// CheckHistory verifies that completed operations are atomic, using the tags
// they carry as the linearization order:
//
//   - every read returns the value written with its tag (or the initial
//     empty value with the zero tag);
//   - no two writes share a tag;
//   - if a returns before b is invoked, tag(b) ≥ tag(a), and tag(b) > tag(a)
//     when b is a write.
//
// Pending operations are not ordered (they may or may not have taken
// effect), but a read may return what a pending write stored.
// The check is O(n log n) plus the size of the answer.
func CheckHistory(ops []Op) error {
	written := map[Tag]string{}
	var done []Op
	for _, op := range ops {
		if op.Done {
			done = append(done, op)
		}
		// A pending write that got as far as choosing its tag may have
		// stored its value at some replicas, so reads may see it.
		if !op.Write || (!op.Done && op.Tag == (Tag{})) {
			continue
		}
		if prev, dup := written[op.Tag]; dup {
			return fmt.Errorf("two writes share tag %v (values %q and %q)", op.Tag, prev, op.Value)
		}
		written[op.Tag] = op.Value
	}
	written[Tag{}] = ""
	for _, op := range done {
		if want, ok := written[op.Tag]; !op.Write && (!ok || want != op.Value) {
			return fmt.Errorf("read %v returned a value no write produced with that tag", op)
		}
	}
	// Sweep operations in call order, knowing the greatest tag among all
	// operations that returned before the current call.
	byReturn := slices.Clone(done)
	slices.SortFunc(byReturn, func(a, b Op) int { return cmp.Compare(a.Return, b.Return) })
	byCall := slices.Clone(done)
	slices.SortFunc(byCall, func(a, b Op) int { return cmp.Compare(a.Call, b.Call) })
	var maxTag Tag
	var maxOp Op
	j := 0
	for _, b := range byCall {
		for j < len(byReturn) && byReturn[j].Return < b.Call {
			if maxTag.Less(byReturn[j].Tag) {
				maxTag, maxOp = byReturn[j].Tag, byReturn[j]
			}
			j++
		}
		if b.Tag.Less(maxTag) || (b.Write && b.Tag == maxTag && maxTag != (Tag{})) {
			return fmt.Errorf("not atomic: %v began after %v had returned, yet carries an older tag", b, maxOp)
		}
	}
	return nil
}
