package mapreducecat

import (
	"os"
	"path/filepath"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/systems/mapreduce"
)

// mrInputs returns a run's input splits: the files matching the "input"
// glob when the scenario takes one and it is set (simrun -input), else text
// generated from the seed, "splits" files of about "split-bytes" each.
func mrInputs(c *scenarios.Case) []mapreduce.File {
	if c.HasParam("input") {
		if glob := c.Param("input"); glob != "" {
			return readInputs(c, glob)
		}
	}
	splits, size := c.IntParam("splits"), c.IntParam("split-bytes")
	if splits < 1 || size < 1 {
		c.BadInput("splits=%d and split-bytes=%d: want at least 1 of each", splits, size)
	}
	return mapreduce.GenerateInputs(c.Rand("input"), splits, size)
}

// readInputs reads every file matching glob, in sorted order, one split
// each, named by its path as matched.
func readInputs(c *scenarios.Case, glob string) []mapreduce.File {
	paths, err := filepath.Glob(glob)
	if err != nil {
		c.BadInput("-input %q is not a valid glob pattern (%v); quote it and use *, ? or [...], e.g. -input 'books/*.txt'", glob, err)
	}
	var files []mapreduce.File
	for _, p := range paths { // Glob returns paths sorted
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			c.BadInput("-input: cannot read %s: %v", p, err)
		}
		files = append(files, mapreduce.File{Name: filepath.ToSlash(p), Data: data})
	}
	if len(files) == 0 {
		c.BadInput("-input %q matches no file; give a pattern that matches text files, relative to the current directory, e.g. -input 'books/*.txt'", glob)
	}
	return files
}

// writeOutputs writes the committed outputs to the "out" directory, if the
// scenario takes one and it is set.
func (mc *mrCluster) writeOutputs(c *scenarios.Case) {
	if !c.HasParam("out") || c.Param("out") == "" {
		return
	}
	dir := c.Param("out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.BadInput("-p out=%s: %v", dir, err)
	}
	for _, f := range mc.outputs() {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			c.BadInput("-p out=%s: %v", dir, err)
		}
	}
}
