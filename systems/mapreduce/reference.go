package mapreduce

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// File is a named file: an input split or a committed output.
type File struct {
	Name string
	Data []byte
}

// OutputName is the name of reduce task r's committed output on storage.
func OutputName(r int) string { return fmt.Sprintf("mr-out-%d", r) }

// OutputPrefix starts the name of every committed output.
const OutputPrefix = "mr-out-"

// Sequential is the reference implementation: it runs job over the inputs
// in one process, in order, and returns the output pairs sorted by key. A
// distributed run of the job must produce exactly these pairs.
func Sequential(job Job, inputs []File) []KeyValue {
	var kvs []KeyValue
	for _, in := range inputs {
		kvs = append(kvs, job.Map(in.Name, string(in.Data))...)
	}
	return reduceSorted(job.Reduce, kvs)
}

// reduceSorted sorts pairs by key, keeping the order of equal keys, and
// reduces each group with fn.
func reduceSorted(fn ReduceFunc, kvs []KeyValue) []KeyValue {
	slices.SortStableFunc(kvs, func(a, b KeyValue) int { return strings.Compare(a.Key, b.Key) })
	var out []KeyValue
	for i := 0; i < len(kvs); {
		j := i
		values := []string{}
		for ; j < len(kvs) && kvs[j].Key == kvs[i].Key; j++ {
			values = append(values, kvs[j].Value)
		}
		out = append(out, KeyValue{Key: kvs[i].Key, Value: fn(kvs[i].Key, values)})
		i = j
	}
	return out
}

// FormatOutput renders output pairs, already sorted by key, as an output
// file: one "key value" line each.
func FormatOutput(kvs []KeyValue) []byte {
	var b bytes.Buffer
	for _, kv := range kvs {
		b.WriteString(kv.Key)
		b.WriteByte(' ')
		b.WriteString(kv.Value)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseOutput reads an output file back into pairs. Keys never hold white
// space (both shipped jobs split on it); the value is the rest of the line.
func ParseOutput(data []byte) ([]KeyValue, error) {
	var out []KeyValue
	for i, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			return nil, fmt.Errorf("line %d is cut short: %q", i+1, line)
		}
		key, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		if !ok || key == "" {
			return nil, fmt.Errorf("line %d is not \"key value\": %q", i+1, line)
		}
		out = append(out, KeyValue{Key: key, Value: value})
	}
	return out, nil
}

// ExpectedOutputs is what each of nReduce reduce tasks must commit for job
// over inputs: the reference output split by Partition.
func ExpectedOutputs(job Job, inputs []File, nReduce int) [][]byte {
	parts := make([][]KeyValue, nReduce)
	for _, kv := range Sequential(job, inputs) {
		r := Partition(kv.Key, nReduce)
		parts[r] = append(parts[r], kv)
	}
	out := make([][]byte, nReduce)
	for r := range parts {
		out[r] = FormatOutput(parts[r])
	}
	return out
}

// MergeOutputs parses committed outputs and merges them into one list
// sorted by key; a key in two outputs, or a malformed file, is an error.
func MergeOutputs(files []File) ([]KeyValue, error) {
	var all []KeyValue
	for _, f := range files {
		kvs, err := ParseOutput(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		all = append(all, kvs...)
	}
	slices.SortStableFunc(all, func(a, b KeyValue) int { return cmp.Compare(a.Key, b.Key) })
	for i := 1; i < len(all); i++ {
		if all[i].Key == all[i-1].Key {
			return nil, fmt.Errorf("key %q appears in two outputs (values %q and %q)", all[i].Key, all[i-1].Value, all[i].Value)
		}
	}
	return all, nil
}
