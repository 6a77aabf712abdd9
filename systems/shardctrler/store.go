package shardctrler

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// store is the controller's state machine: every configuration made.
type store struct {
	configs []Config
}

func newStore(nShards int) *store { return &store{configs: []Config{Initial(nShards)}} }

func (s *store) latest() Config { return s.configs[len(s.configs)-1] }

// Apply implements rsm.StateMachine.
func (s *store) Apply(op any) any {
	switch o := op.(type) {
	case JoinOp:
		s.configs = append(s.configs, s.latest().Join(o.Groups))
	case LeaveOp:
		s.configs = append(s.configs, s.latest().Leave(o.GIDs))
	case MoveOp:
		next, ok := s.latest().Move(o.Shard, o.GID)
		if !ok {
			return Result{Config: s.latest().Clone(), Err: ErrNoGroup}
		}
		s.configs = append(s.configs, next)
	case QueryOp:
		if o.Num >= 0 && o.Num < len(s.configs) {
			return Result{Config: s.configs[o.Num].Clone()}
		}
		if o.Exact && o.Num >= len(s.configs) {
			return Result{Err: ErrNoConfig}
		}
	default:
		panic(fmt.Sprintf("shardctrler: unknown operation %T", op))
	}
	return Result{Config: s.latest().Clone()}
}

// Snapshot implements rsm.StateMachine. A Config holds slices only, so
// its encoding does not depend on map order.
func (s *store) Snapshot() []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s.configs); err != nil {
		panic(fmt.Sprintf("shardctrler: snapshot does not encode: %v", err))
	}
	return buf.Bytes()
}

// Restore implements rsm.StateMachine.
func (s *store) Restore(b []byte) {
	var configs []Config
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&configs); err != nil {
		panic(fmt.Sprintf("shardctrler: snapshot does not decode: %v", err))
	}
	s.configs = configs
}
