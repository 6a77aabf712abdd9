package kv

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// store is the key/value state machine.
type store struct {
	data map[string]string
}

func newStore() *store { return &store{data: map[string]string{}} }

// Apply implements rsm.StateMachine.
func (s *store) Apply(op any) any {
	o := op.(Op)
	switch o.Kind {
	case Put:
		s.data[o.Key] = o.Value
	case Append:
		s.data[o.Key] += o.Value
	}
	return s.data[o.Key]
}

type storeSnapshot struct {
	Keys, Values []string // sorted by key
}

// Snapshot implements rsm.StateMachine, in key order.
func (s *store) Snapshot() []byte {
	var snap storeSnapshot
	for _, k := range node.SortedKeys(s.data) {
		snap.Keys = append(snap.Keys, k)
		snap.Values = append(snap.Values, s.data[k])
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(snap); err != nil {
		panic(fmt.Sprintf("kv: snapshot does not encode: %v", err))
	}
	return buf.Bytes()
}

// Restore implements rsm.StateMachine.
func (s *store) Restore(b []byte) {
	var snap storeSnapshot
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&snap); err != nil {
		panic(fmt.Sprintf("kv: snapshot does not decode: %v", err))
	}
	s.data = make(map[string]string, len(snap.Keys))
	for i, k := range snap.Keys {
		s.data[k] = snap.Values[i]
	}
}
