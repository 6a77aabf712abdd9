// Package guest runs unmodified programs built for wasip1 (GOOS=wasip1
// GOARCH=wasm) on wazero under a virtual clock, deterministic by seed.
//
// The host answers the guest's WASI calls for time, waiting and randomness
// itself: the clocks read virtual time from a fixed epoch; when every
// goroutine of a Go guest is blocked, its scheduler asks to wait until its
// next timer and the clock jumps there at once; random bytes come from a
// stream of the seed; and the guest's own work moves the clock, counted by
// a meter inserted into the module before it is compiled (function entries
// and loop iterations, WorkCost per 1,000). The meter also lets the host
// stop a guest anywhere, with its call stack: at a virtual-time budget, a
// wall-clock limit or a canceled context.
//
// Compile meters and compiles a module once; Program.Run runs it for one
// Config (seed, arguments, environment, directories) and returns a Result:
// the exit status or why the host stopped it, the virtual time, the work
// done, and a fingerprint of everything the guest received, which is equal
// for two runs of the same module and Config. Config.Trace receives every
// host call with the fingerprint so far, so two runs that differ can be
// compared call by call.
//
// Program.Node makes a program a node of a sim.World instead: one instance
// per incarnation, its clock the node's, its sleeps the node's timers, its
// files under /data the node's disk (per-file fsync), its sockets (through
// the guest package guest/simnet) TCP-like streams over the World's
// network, and its work the node's CPU time. The operations reset and
// abort, registered with package faults, act on a guest node's
// connections.
//
// Package guest/gotest builds a Go package's tests (or a command) as such
// a program, with Go's own goroutine order or one drawn from the seed, and
// reads the tests' verdicts; simrun -pkg sweeps them by seed. DESIGN.md,
// section 12, says how the pieces fit.
package guest
