package checker

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// linearizableHistory makes a history of n operations over keys keys from
// clients clients, each client issuing one operation at a time, whose
// outputs come from applying the operations in the order of linearization
// points drawn inside their intervals, so it is linearizable by
// construction while operations overlap.
func linearizableHistory(n, keys, clients int, seed uint64) []Op {
	r := node.NewRand(seed)
	type pending struct {
		op    Op
		point time.Duration
	}
	free := make([]time.Duration, clients) // when each client is next free
	ops := make([]pending, 0, n)
	for i := 0; i < n; i++ {
		c := r.IntN(clients)
		call := free[c] + r.Duration(0, 2*time.Millisecond)
		ret := call + r.Duration(time.Millisecond, 10*time.Millisecond)
		free[c] = ret
		in := KVInput{Key: fmt.Sprint("k", r.IntN(keys))}
		switch r.IntN(3) {
		case 0:
			in.Op = Get
		case 1:
			in.Op, in.Value = Put, fmt.Sprint(i)
		default:
			in.Op, in.Value = Append, fmt.Sprint(i%10)
		}
		ops = append(ops, pending{Op{Client: c, Input: in, Call: call, Return: ret, Done: true}, r.Duration(call, ret)})
	}
	byPoint := slices.Clone(ops)
	slices.SortStableFunc(byPoint, func(a, b pending) int { return int(a.point - b.point) })
	state := map[string]string{}
	outs := map[time.Duration]KVOutput{}
	for _, p := range byPoint {
		in := p.op.Input.(KVInput)
		switch in.Op {
		case Get:
			outs[p.point] = KVOutput{Value: state[in.Key]}
		case Put:
			state[in.Key] = in.Value
		case Append:
			state[in.Key] += in.Value
		}
	}
	out := make([]Op, len(ops))
	for i, p := range ops {
		out[i] = p.op
		out[i].Output = KVOutput{}
		if p.op.Input.(KVInput).Op == Get {
			out[i].Output = outs[p.point]
		}
	}
	return out
}

// BenchmarkCheckKV measures porcupine on linearizable histories of 1,000
// and 100,000 operations spread over many keys.
func BenchmarkCheckKV(b *testing.B) {
	for _, size := range []struct{ ops, keys, clients int }{{1000, 10, 5}, {100_000, 1000, 50}} {
		h := linearizableHistory(size.ops, size.keys, size.clients, 1)
		b.Run(fmt.Sprintf("ops=%d/keys=%d", size.ops, size.keys), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if res := CheckLinearizable(KVModel, h, time.Minute); res.Outcome != Linearizable {
					b.Fatalf("outcome %q on a linearizable history", res.Outcome)
				}
			}
			b.ReportMetric(float64(size.ops)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
