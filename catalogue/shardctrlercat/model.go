package shardctrlercat

import (
	"fmt"
	"hash/fnv"

	"github.com/anishathalye/porcupine"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// ctrlInput is one controller operation of a history: a JoinOp, LeaveOp,
// MoveOp or QueryOp.
type ctrlInput struct{ Op any }

// ctrlModel is the controller as porcupine checks it: the state is every
// configuration made; Join, Leave and Move make the next one (by the
// configuration's own rules: the model checks that the answers are those
// of some order of the operations, not the rebalancing, which the
// controller's unit tests check) and answer with it; Query answers with
// the configuration asked for, or the latest (an exact one, ErrNoConfig if
// it is not made yet).
func ctrlModel(nShards int) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return []shardctrler.Config{shardctrler.Initial(nShards)} },
		Step: func(state, input, output any) (bool, any) {
			configs := state.([]shardctrler.Config)
			latest := configs[len(configs)-1]
			next, answer := configs, latest
			switch op := input.(ctrlInput).Op.(type) {
			case shardctrler.JoinOp:
				answer = latest.Join(op.Groups)
			case shardctrler.LeaveOp:
				answer = latest.Leave(op.GIDs)
			case shardctrler.MoveOp:
				moved, ok := latest.Move(op.Shard, op.GID)
				if !ok {
					return output == nil || output.(shardctrler.Result).Err == shardctrler.ErrNoGroup && output.(shardctrler.Result).Config.Equal(latest), configs
				}
				answer = moved
			case shardctrler.QueryOp:
				if op.Num >= 0 && op.Num < len(configs) {
					answer = configs[op.Num]
				} else if op.Exact && op.Num >= len(configs) {
					return output == nil || output.(shardctrler.Result).Err == shardctrler.ErrNoConfig, configs
				}
				if output == nil {
					return true, configs
				}
				r := output.(shardctrler.Result)
				return r.Err == "" && r.Config.Equal(answer), configs
			}
			if answer.Num != latest.Num {
				next = append(configs[:len(configs):len(configs)], answer)
			}
			if output == nil {
				return true, next // its answer never came: it may have applied
			}
			r := output.(shardctrler.Result)
			return r.Err == "" && r.Config.Equal(answer), next
		},
		Equal: func(a, b any) bool {
			x, y := a.([]shardctrler.Config), b.([]shardctrler.Config)
			if len(x) != len(y) {
				return false
			}
			for i := range x {
				if !x[i].Equal(y[i]) {
					return false
				}
			}
			return true
		},
		Hash: func(s any) uint64 {
			configs := s.([]shardctrler.Config)
			h := fnv.New64a()
			fmt.Fprint(h, len(configs), configs[len(configs)-1].Shards, configs[len(configs)-1].GIDs())
			return h.Sum64()
		},
		DescribeOperation: func(input, output any) string {
			in := fmt.Sprintf("%T%+v", input.(ctrlInput).Op, input.(ctrlInput).Op)
			if output == nil {
				return in + " → ?"
			}
			r := output.(shardctrler.Result)
			if r.Err != "" {
				return in + " → " + r.Err
			}
			return fmt.Sprintf("%s → config %d %v", in, r.Config.Num, r.Config.Shards)
		},
		DescribeState: func(s any) string {
			configs := s.([]shardctrler.Config)
			return configs[len(configs)-1].String()
		},
	}
}
