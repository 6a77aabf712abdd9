package mapreduce

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

func TestParseOutput(t *testing.T) {
	tests := []struct {
		in      string
		want    []KeyValue
		wantErr string
	}{
		{"", nil, ""},
		{"a 1\nb 2 x,y\n", []KeyValue{{"a", "1"}, {"b", "2 x,y"}}, ""},
		{"a 1\nb 2", nil, "cut short"},
		{"a\n", nil, `not "key value"`},
		{" 1\n", nil, `not "key value"`},
	}
	for _, tt := range tests {
		got, err := ParseOutput([]byte(tt.in))
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseOutput(%q) error = %v; want %q", tt.in, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("ParseOutput(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestExpectedOutputs: the per-reducer reference outputs merge back into
// the sequential output, each key in the partition that owns it.
func TestExpectedOutputs(t *testing.T) {
	job, _ := Lookup("wc")
	inputs := GenerateInputs(node.NewRand(3), 4, 1000)
	const nReduce = 5
	parts := ExpectedOutputs(job, inputs, nReduce)
	var files []File
	for r, data := range parts {
		kvs, err := ParseOutput(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range kvs {
			if p := Partition(kv.Key, nReduce); p != r {
				t.Fatalf("key %q in output %d; it belongs to %d", kv.Key, r, p)
			}
		}
		files = append(files, File{Name: OutputName(r), Data: data})
	}
	merged, err := MergeOutputs(files)
	if err != nil {
		t.Fatal(err)
	}
	if want := Sequential(job, inputs); !slices.Equal(merged, want) {
		t.Errorf("merged outputs differ from Sequential")
	}
	files = append(files, File{Name: "again", Data: parts[0]})
	if _, err := MergeOutputs(files); err == nil || !strings.Contains(err.Error(), "appears in two outputs") {
		t.Errorf("MergeOutputs with a doubled output: %v; want a duplicate key error", err)
	}
}

func TestGenerateInputs(t *testing.T) {
	a := GenerateInputs(node.NewRand(9), 3, 500)
	b := GenerateInputs(node.NewRand(9), 3, 500)
	c := GenerateInputs(node.NewRand(10), 3, 500)
	if len(a) != 3 || a[0].Name != "input-00.txt" || a[2].Name != "input-02.txt" {
		t.Fatalf("names %q", []string{a[0].Name, a[len(a)-1].Name})
	}
	for i := range a {
		if n := len(a[i].Data); n < 500 || n > 600 {
			t.Errorf("%s is %d bytes; want about 500", a[i].Name, n)
		}
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two draws of one seed", a[i].Name)
		}
		if bytes.Equal(a[i].Data, c[i].Data) {
			t.Errorf("%s is the same for two seeds", a[i].Name)
		}
	}
	job, _ := Lookup("wc")
	if len(Sequential(job, a)) < 20 {
		t.Errorf("generated text has fewer than 20 distinct words")
	}
}
