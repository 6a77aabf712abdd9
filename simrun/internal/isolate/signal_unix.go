//go:build unix

package isolate

import (
	"os"
	"syscall"
)

// quit asks a Go process to print its goroutines' stacks and exit.
func quit(p *os.Process) { p.Signal(syscall.SIGQUIT) }

// stopSignals stop a sweep cleanly.
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func ExitStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
