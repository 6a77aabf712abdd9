package mapreduce_test

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/systems/mapreduce"
)

// ExampleRegister writes a new job, the paper's distributed grep: Map
// emits every line that matches, keyed by file and line number, and Reduce
// passes it through. Register it from an init function and any scenario can
// run it by name; Sequential is the reference a distributed run must match.
func ExampleRegister() {
	grep := mapreduce.Job{
		Name:    "example-grep",
		Summary: "lines containing \"error\", by file:line",
		Map: func(filename, contents string) []mapreduce.KeyValue {
			var kvs []mapreduce.KeyValue
			for i, line := range strings.Split(contents, "\n") {
				if strings.Contains(line, "error") {
					kvs = append(kvs, mapreduce.KeyValue{Key: fmt.Sprintf("%s:%d", filename, i+1), Value: line})
				}
			}
			return kvs
		},
		Reduce: func(_ string, values []string) string { return values[0] },
	}
	mapreduce.Register(grep)

	job, _ := mapreduce.Lookup("example-grep")
	out := mapreduce.Sequential(job, []mapreduce.File{
		{Name: "a.log", Data: []byte("ok\nerror: disk full\nok")},
		{Name: "b.log", Data: []byte("error: no route\n")},
	})
	fmt.Print(string(mapreduce.FormatOutput(out)))
	// Output:
	// a.log:2 error: disk full
	// b.log:1 error: no route
}

// ExampleSequential runs word count, one of the two shipped jobs, in one
// process.
func ExampleSequential() {
	wc, _ := mapreduce.Lookup("wc")
	out := mapreduce.Sequential(wc, []mapreduce.File{
		{Name: "1.txt", Data: []byte("the quick fox")},
		{Name: "2.txt", Data: []byte("the lazy dog, the end")},
	})
	for _, kv := range out {
		fmt.Println(kv.Key, kv.Value)
	}
	fmt.Println("reducer of \"the\" when R=4:", mapreduce.Partition("the", 4))
	// Output:
	// dog 1
	// end 1
	// fox 1
	// lazy 1
	// quick 1
	// the 3
	// reducer of "the" when R=4: 0
}
