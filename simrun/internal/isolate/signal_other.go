//go:build !unix

package isolate

import "os"

// quit stops a process; without SIGQUIT there are no stacks to ask for.
func quit(p *os.Process) { p.Kill() }

// stopSignals stop a sweep cleanly.
var StopSignals = []os.Signal{os.Interrupt}

func ExitStatus(os.Signal) int { return 130 }
