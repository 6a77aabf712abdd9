package mapreduce_test

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/systems/mapreduce"
)

// grep is a new job, the paper's distributed grep: Map emits every line
// that mentions "error", keyed by file and line number, and Reduce passes it
// through.
var grep = mapreduce.Job{
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

// Register jobs from an init function, so every run sees the same registry;
// simrun then runs them with -p job=example-grep.
func init() { mapreduce.Register(grep) }

// ExampleRegister looks the new job up by name and runs it with
// Sequential, the reference any distributed run of it must match.
func ExampleRegister() {
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
