//go:build unix

package simrun

import (
	"os"
	"syscall"
)

// quit asks a Go process to print its goroutines' stacks and exit.
func quit(p *os.Process) { p.Signal(syscall.SIGQUIT) }

// stopSignals stop a sweep cleanly.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func exitStatusOf(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
