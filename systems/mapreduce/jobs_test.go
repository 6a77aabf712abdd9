package mapreduce

import (
	"slices"
	"strings"
	"testing"
)

func TestShippedJobs(t *testing.T) {
	tests := []struct {
		job      string
		inputs   []File
		wantText string
	}{
		{"wc", []File{{"a", []byte("the cat, the hat.")}, {"b", []byte("The cat 42 sat")}},
			"The 1\ncat 2\nhat 1\nsat 1\nthe 2\n"},
		{"wc", []File{{"empty", nil}, {"digits", []byte("12 34 -- ,,")}}, ""},
		{"wc", []File{{"u", []byte("naïve café naïve")}}, "café 1\nnaïve 2\n"},
		{"indexer", []File{{"a", []byte("the cat the hat")}, {"b", []byte("cat sat")}, {"c", []byte("hat")}},
			"cat 2 a,b\nhat 2 a,c\nsat 1 b\nthe 1 a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			job, ok := Lookup(tt.job)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.job)
			}
			if got := string(FormatOutput(Sequential(job, tt.inputs))); got != tt.wantText {
				t.Errorf("Sequential = %q; want %q", got, tt.wantText)
			}
		})
	}
}

// TestWordCountCombiner: combining each input's counts first changes
// nothing, which is what lets word count use its reducer as a combiner.
func TestWordCountCombiner(t *testing.T) {
	job, _ := Lookup("wc")
	in := []File{{"a", []byte("x y x z x")}, {"b", []byte("y y x")}}
	var combined []KeyValue
	for _, f := range in {
		combined = append(combined, reduceSorted(job.Combine, job.Map(f.Name, string(f.Data)))...)
	}
	got, want := reduceSorted(job.Reduce, combined), Sequential(job, in)
	if !slices.Equal(got, want) {
		t.Errorf("with the combiner %v; without %v", got, want)
	}
}

func TestRegistry(t *testing.T) {
	if got := Jobs(); !slices.Contains(got, "wc") || !slices.Contains(got, "indexer") || !slices.IsSorted(got) {
		t.Errorf("Jobs() = %v; want a sorted list with wc and indexer", got)
	}
	upper := Job{Name: "test-upper", Summary: "upper-cased words, counted",
		Map: func(_, contents string) []KeyValue {
			var kvs []KeyValue
			for _, w := range strings.Fields(contents) {
				kvs = append(kvs, KeyValue{Key: strings.ToUpper(w), Value: "1"})
			}
			return kvs
		},
		Reduce: WordCountReduce,
	}
	Register(upper)
	defer delete(jobs, upper.Name)
	if j, ok := Lookup("test-upper"); !ok || j.Summary != upper.Summary {
		t.Fatalf("Lookup(test-upper) = %+v, %v", j, ok)
	}
	if got := string(FormatOutput(Sequential(upper, []File{{"f", []byte("a b A")}}))); got != "A 2\nB 1\n" {
		t.Errorf("the registered job computed %q", got)
	}
	for name, bad := range map[string]Job{
		"duplicate":   upper,
		"no name":     {Map: upper.Map, Reduce: upper.Reduce},
		"no map":      {Name: "x", Reduce: upper.Reduce},
		"no reduce":   {Name: "x", Map: upper.Map},
		"white space": {Name: "a b", Map: upper.Map, Reduce: upper.Reduce},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register with %s did not panic", name)
				}
			}()
			Register(bad)
		}()
	}
}
