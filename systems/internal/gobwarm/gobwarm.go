// Package gobwarm fixes the type ids encoding/gob gives the types a
// system encodes, before any run.
//
// gob numbers a type the first time the process encodes or decodes it, from
// one counter for the whole process, and writes the number into the
// encoding: a type numbered below 128 costs one byte less in every stream
// that defines it. So the size of a Raft entry or a snapshot, which the
// simulator charges and folds into a run's fingerprint, would depend on
// which types earlier runs in the same process happened to encode first:
// a seed swept after others printed another fingerprint than the same
// seed alone, with every event the same. Encoding a value of each type at
// package initialization, in the order Go runs initializers (fixed for a
// binary), numbers them before any run can.
package gobwarm

import (
	"encoding/gob"
	"fmt"
	"io"
)

// Warm encodes each value once, in order, so that its type and every type
// inside it have their gob ids from now on. It panics on a value gob
// cannot encode: a programming error every test meets.
func Warm(values ...any) {
	for _, v := range values {
		if err := gob.NewEncoder(io.Discard).Encode(v); err != nil {
			panic(fmt.Sprintf("gobwarm: %T: %v", v, err))
		}
	}
}
