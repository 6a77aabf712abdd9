package checker

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/anishathalye/porcupine"
)

// Outcome is the verdict of a linearizability check.
type Outcome string

// The outcomes. Unknown means the search ran out of time: it is neither a
// pass nor a failure, and must be reported as such.
const (
	Linearizable    Outcome = "linearizable"
	NotLinearizable Outcome = "not linearizable"
	Unknown         Outcome = "unknown (the search ran out of time)"
)

// Annotation marks a moment or span of a run (a crash, a partition) on
// the visualization of its history.
type Annotation struct {
	Start, End  time.Duration
	Tag         string // the row it is drawn in, e.g. "faults"
	Description string
	Details     string
}

// Result is a linearizability check's verdict with what it takes to draw
// the history.
type Result struct {
	Outcome Outcome
	Ops     int
	model   porcupine.Model
	info    porcupine.LinearizationInfo
	history []porcupine.Operation
	ops     []Op
}

// CheckLinearizable checks a history against a porcupine model, giving up
// after timeout (0: no limit). Unknown operations are checked as returning
// after everything else, with an unknown output.
func CheckLinearizable(model porcupine.Model, ops []Op, timeout time.Duration) Result {
	hist := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		ret, out := op.Return, op.Output
		if !op.Done {
			ret, out = endOfTime, nil
		}
		hist[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Output: out,
			Call: int64(op.Call), Return: int64(ret), Metadata: opMeta{index: i, server: op.AnsweredBy}}
	}
	if model.DescribeOperationMetadata == nil {
		model.DescribeOperationMetadata = describeMeta // who answered, in porcupine's view
	}
	res, info := porcupine.CheckOperationsVerbose(model, hist, timeout)
	r := Result{Ops: len(ops), model: model, info: info, history: hist, ops: ops}
	switch res {
	case porcupine.Ok:
		r.Outcome = Linearizable
	case porcupine.Illegal:
		r.Outcome = NotLinearizable
	default:
		r.Outcome = Unknown
	}
	return r
}

// WriteHTML writes porcupine's interactive visualization of the history,
// with the annotations, to path (creating its directory).
func (r Result) WriteHTML(path string, annotations []Annotation) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	info := r.info
	var anns []porcupine.Annotation
	for _, a := range annotations {
		anns = append(anns, porcupine.Annotation{Tag: a.Tag, Start: int64(a.Start), End: int64(a.End),
			Description: a.Description, Details: a.Details})
	}
	info.AddAnnotations(anns)
	if err := porcupine.VisualizePath(r.model, info, path); err != nil {
		return fmt.Errorf("writing the visualization %s: %w", path, err)
	}
	return nil
}

// Explain says, for a history that is not linearizable, where it breaks:
// the partition (a key, for the KV models) whose operations cannot all be
// linearized, how many of them can, and the first operation (by call time)
// that no linearization of the rest admits, with the last operation before
// it that one does. It returns "" for any other outcome.
func (r Result) Explain() string {
	if r.Outcome != NotLinearizable {
		return ""
	}
	parts := [][]porcupine.Operation{r.history}
	if r.model.Partition != nil {
		parts = r.model.Partition(r.history)
	}
	lins := r.info.PartialLinearizationsOperations()
	describe := func(op porcupine.Operation) string {
		d := fmt.Sprint(op.Input, " → ", op.Output)
		if r.model.DescribeOperation != nil {
			d = r.model.DescribeOperation(op.Input, op.Output)
		}
		end := "never answered"
		if op.Return != int64(endOfTime) {
			end = time.Duration(op.Return).String()
		}
		return fmt.Sprintf("client %d %s [%v, %s]", op.ClientId, d, time.Duration(op.Call), end)
	}
	for p, ops := range parts {
		if p >= len(lins) {
			break
		}
		var best []porcupine.Operation
		for _, l := range lins[p] {
			if len(l) > len(best) {
				best = l
			}
		}
		if len(best) == len(ops) || len(ops) == 0 {
			continue
		}
		// Operations are told apart by client and times: their inputs
		// and outputs may not be comparable (slices in a model's types).
		type opKey struct {
			client       int
			call, retern int64
		}
		keyOf := func(op porcupine.Operation) opKey { return opKey{op.ClientId, op.Call, op.Return} }
		in := map[opKey]bool{}
		for _, op := range best {
			in[keyOf(op)] = true
		}
		var first *porcupine.Operation
		for i := range ops {
			if !in[keyOf(ops[i])] && (first == nil || ops[i].Call < first.Call) {
				first = &ops[i]
			}
		}
		key := ""
		if k, ok := partitionKey(ops[0].Input); ok {
			key = fmt.Sprintf("key %q: ", k)
		}
		msg := fmt.Sprintf("%sat most %d of its %d operations linearize; the first that cannot: %s", key, len(best), len(ops), describe(*first))
		if len(best) > 0 {
			msg += "; the last that does before it: " + describe(best[len(best)-1])
		}
		return msg
	}
	return "no partition's partial linearizations show where"
}

// partitionKey is the key of a KV model's operation input.
func partitionKey(input any) (string, bool) {
	if in, ok := input.(KVInput); ok {
		return in.Key, true
	}
	return "", false
}
