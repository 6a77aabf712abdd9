package simrun_test

import (
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/simlab-go/simlab/catalogue/registercat" // the scenarios the example runs
	"github.com/simlab-go/simlab/simrun"
)

// ExampleProgram is an outside module's runner: its own name and replay
// command, every flag of simrun. A real one calls Main from main(); here
// Run sweeps three seeds and returns the exit status.
func ExampleProgram() {
	p := simrun.Program{Name: "mysim", Command: "go run ./cmd/mysim"}
	status := p.Run([]string{"-scenario", "register/basic", "-seeds", "3"}, io.Discard, os.Stderr, os.Getenv)
	fmt.Println("exit status", status)

	var out strings.Builder
	p.Run([]string{"-scenario", "register/basic", "-seed", "2"}, &out, os.Stderr, os.Getenv)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "replay:") || strings.HasPrefix(line, "result:") {
			fmt.Println(line)
		}
	}
	// Output:
	// exit status 0
	// replay:   go run ./cmd/mysim -scenario register/basic -seed 2
	// result:   PASS
}
