package checker

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
)

// HistoryView is a checked history laid out for a person to look at: every
// operation with who issued and who answered it, and, per partition (a key,
// for the KV models), the longest order in which the checker could
// linearize its operations, with the model's state after each.
type HistoryView struct {
	Outcome    Outcome
	Ops        []OpView
	Partitions []PartitionView
}

// OpView is one operation of a HistoryView.
type OpView struct {
	Client           int
	Node, AnsweredBy string
	Call, Return     time.Duration // Return is meaningless when !Done
	Done             bool
	Description      string // the model's account of input and output
}

// PartitionView is one partition of a HistoryView. Every index is into
// HistoryView.Ops.
type PartitionView struct {
	Key string // the partition's key, for the KV models; "" otherwise
	Ops []int  // the partition's operations, in call order
	// Linearization is the longest order found in which the model accepts
	// the operations, and States the model's state after each of them.
	Linearization []int
	States        []string
	// FirstIllegal is the earliest-called operation that no order found
	// admits, or -1 when every operation is in Linearization.
	FirstIllegal int
}

// opMeta rides on a porcupine operation: which operation of the history
// it is and who answered it, for the views.
type opMeta struct {
	index  int
	server string
}

func describeMeta(m any) string {
	if m, ok := m.(opMeta); ok && m.server != "" {
		return "answered by " + m.server
	}
	return ""
}

// View lays out the checked history; see HistoryView.
func (r Result) View() HistoryView {
	v := HistoryView{Outcome: r.Outcome}
	describe := r.model.DescribeOperation
	if describe == nil {
		describe = func(in, out any) string { return fmt.Sprintf("%v → %v", in, out) }
	}
	for _, op := range r.history {
		m := op.Metadata.(opMeta)
		o := r.ops[m.index]
		v.Ops = append(v.Ops, OpView{Client: o.Client, Node: o.Node, AnsweredBy: o.AnsweredBy, Call: o.Call,
			Return: o.Return, Done: o.Done, Description: describe(op.Input, op.Output)})
	}
	parts := [][]porcupine.Operation{r.history}
	if r.model.Partition != nil {
		parts = r.model.Partition(r.history)
	}
	lins := r.info.PartialLinearizations()
	for p, ops := range parts {
		pv := PartitionView{FirstIllegal: -1}
		if len(ops) > 0 {
			pv.Key, _ = partitionKey(ops[0].Input)
		}
		for _, op := range ops {
			pv.Ops = append(pv.Ops, op.Metadata.(opMeta).index)
		}
		// Porcupine numbers a partition's operations by their place in it.
		var best []int
		if p < len(lins) {
			for _, l := range lins[p] {
				if len(l) > len(best) {
					best = l
				}
			}
		}
		in := make([]bool, len(ops))
		state := r.model.Init()
		for _, id := range best {
			ok, next := r.model.Step(state, ops[id].Input, ops[id].Output)
			if !ok {
				break // not an order the model accepts: show no more of it
			}
			state = next
			in[id] = true
			pv.Linearization = append(pv.Linearization, pv.Ops[id])
			if r.model.DescribeState != nil {
				pv.States = append(pv.States, r.model.DescribeState(state))
			} else {
				pv.States = append(pv.States, fmt.Sprint(state))
			}
		}
		for id, op := range ops {
			if !in[id] && (pv.FirstIllegal < 0 || op.Call < int64(v.Ops[pv.FirstIllegal].Call)) {
				pv.FirstIllegal = pv.Ops[id]
			}
		}
		sortByCall(pv.Ops, v.Ops)
		v.Partitions = append(v.Partitions, pv)
	}
	return v
}

func sortByCall(idx []int, ops []OpView) {
	for i := 1; i < len(idx); i++ {
		for k := i; k > 0 && ops[idx[k]].Call < ops[idx[k-1]].Call; k-- {
			idx[k], idx[k-1] = idx[k-1], idx[k]
		}
	}
}
