//go:build !unix

package simrun

import "os"

// quit stops a process; without SIGQUIT there are no stacks to ask for.
func quit(p *os.Process) { p.Kill() }

// stopSignals stop a sweep cleanly.
var stopSignals = []os.Signal{os.Interrupt}

func exitStatusOf(os.Signal) int { return 130 }
