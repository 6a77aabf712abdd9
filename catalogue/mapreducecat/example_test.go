package mapreducecat_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

// ExampleRun_wordCount runs word count over files of your own (what simrun
// -input does), on 3 simulated workers with R=2, and reads the committed
// outputs back from the directory given as out.
func ExampleRun_wordCount() {
	dir, _ := os.MkdirTemp("", "wc")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "1.txt"), []byte("It was the best of times"), 0o644)
	os.WriteFile(filepath.Join(dir, "2.txt"), []byte("it was the worst of times"), 0o644)

	out, err := scenarios.Run("mapreduce/wordcount", 1, scenarios.Options{Params: map[string]string{
		"input": filepath.Join(dir, "*.txt"), "out": filepath.Join(dir, "out"), "workers": "3", "reduces": "2",
	}})
	if err != nil {
		fmt.Println("bad input:", err)
		return
	}
	fmt.Println("passed:", out.Passed)
	var files []mapreduce.File
	for r := range 2 {
		data, _ := os.ReadFile(filepath.Join(dir, "out", mapreduce.OutputName(r)))
		files = append(files, mapreduce.File{Name: mapreduce.OutputName(r), Data: data})
	}
	counts, _ := mapreduce.MergeOutputs(files)
	fmt.Print(string(mapreduce.FormatOutput(counts)))
	// Output:
	// passed: true
	// It 1
	// best 1
	// it 1
	// of 2
	// the 2
	// times 2
	// was 2
	// worst 1
}
