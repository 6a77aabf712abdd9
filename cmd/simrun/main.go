// Command simrun runs simlab's scenarios: it replays one seed, sweeps
// thousands of seeds across cores, shards a sweep across machines and checks
// that runs are deterministic. It is package simrun over every simlab
// catalogue; see that package for the flags.
package main

import (
	_ "github.com/simlab-go/simlab/catalogue" // every simlab scenario
	"github.com/simlab-go/simlab/simrun"
)

func main() { simrun.Main() }
