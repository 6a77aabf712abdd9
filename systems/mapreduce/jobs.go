package mapreduce

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/simlab-go/simlab/sim/node"
)

// KeyValue is one intermediate or output pair.
type KeyValue struct {
	Key   string
	Value string
}

// MapFunc turns one input file into intermediate pairs.
type MapFunc func(filename, contents string) []KeyValue

// ReduceFunc merges every value emitted for one key into the output value.
// Values arrive in input-file order, then in the order Map emitted them.
type ReduceFunc func(key string, values []string) string

// Job is a named pair of map and reduce functions. Both must be
// deterministic and free of side effects: a task may run several times.
type Job struct {
	Name   string
	Map    MapFunc
	Reduce ReduceFunc
	// Combine, if set, is the paper's combiner: run by each map task over
	// its own output, it merges the values of one key into one before they
	// travel. Reduce over combined values must equal Reduce over the
	// originals (a sum, a maximum, a set union).
	Combine ReduceFunc
	// Summary says in one line what the job computes.
	Summary string
}

//simlab:readonly written by Register, which jobs call from init
var jobs = map[string]Job{}

// Register adds a job under its name. It panics on a duplicate name or a
// missing function, a programming error that any test catches. Call it
// from an init function so that every run sees the same registry.
func Register(j Job) {
	if j.Name == "" || j.Map == nil || j.Reduce == nil {
		panic(fmt.Sprintf("mapreduce: incomplete job %q", j.Name))
	}
	if strings.ContainsAny(j.Name, " \n") {
		panic(fmt.Sprintf("mapreduce: job name %q has white space", j.Name))
	}
	if _, dup := jobs[j.Name]; dup {
		panic("mapreduce: two jobs named " + j.Name)
	}
	jobs[j.Name] = j
}

// Lookup returns the job registered under name.
func Lookup(name string) (Job, bool) {
	j, ok := jobs[name]
	return j, ok
}

// Jobs returns the names of every registered job, sorted.
func Jobs() []string { return node.SortedKeys(jobs) }

func init() {
	Register(Job{Name: "wc", Map: WordCountMap, Reduce: WordCountReduce, Combine: WordCountReduce,
		Summary: "word count: how often each word occurs in the inputs"})
	Register(Job{Name: "indexer", Map: IndexMap, Reduce: IndexReduce,
		Summary: "inverted index: for each word, how many inputs contain it and which"})
}

// words splits text into maximal runs of letters.
func words(contents string) []string {
	return strings.FieldsFunc(contents, func(r rune) bool { return !unicode.IsLetter(r) })
}

// WordCountMap emits (word, "1") for every word of the input.
func WordCountMap(_, contents string) []KeyValue {
	ws := words(contents)
	kvs := make([]KeyValue, len(ws))
	for i, w := range ws {
		kvs[i] = KeyValue{Key: w, Value: "1"}
	}
	return kvs
}

// WordCountReduce sums the counts: how often the word occurred. It is also
// word count's combiner.
func WordCountReduce(key string, values []string) string {
	n := 0
	for _, v := range values {
		c, err := strconv.Atoi(v)
		if err != nil {
			panic(fmt.Sprintf("mapreduce: word count of %q got the count %q", key, v))
		}
		n += c
	}
	return strconv.Itoa(n)
}

// IndexMap emits (word, filename) once for every distinct word of the input.
func IndexMap(filename, contents string) []KeyValue {
	seen := map[string]bool{}
	var kvs []KeyValue
	for _, w := range words(contents) {
		if !seen[w] {
			seen[w] = true
			kvs = append(kvs, KeyValue{Key: w, Value: filename})
		}
	}
	return kvs
}

// IndexReduce lists the files containing the word: "N file1,file2,...",
// sorted and without repeats.
func IndexReduce(_ string, values []string) string {
	files := slices.Compact(slices.Sorted(slices.Values(values)))
	return strconv.Itoa(len(files)) + " " + strings.Join(files, ",")
}
