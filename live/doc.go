// Package live runs simlab's nodes for real: the same node.Handler that the
// simulator drives, on wall-clock timers, TCP between processes, files that
// are fsynced for Disk.Sync, and a random stream seeded from the operating
// system. No system changes to move from one runtime to the other: systems
// import only sim/node, and this package implements node.Env.
//
// A Node hosts one handler. It runs one event at a time on one goroutine,
// as the contract promises, and applies a handler call's effects (sends,
// timers) when the call returns, as the simulator does. A handler that
// panics is treated as a crash of the node: the call's effects are
// dropped, the panic and its stack are logged, and the node restarts from
// its disk after a pause; a node that panics while booting, again and
// again, stops with a clear error instead of restarting for ever.
//
// The Transport carries messages between nodes over TCP, one
// length-prefixed gob frame per message, reconnecting as peers come and
// go. A cluster key turns on authentication: each frame carries an
// HMAC-SHA256 over the connection's challenge, its direction and sequence
// number, so a node drops forged, altered or replayed frames; a node that
// listens on anything but loopback must have a key. Faults is a fault
// layer in the transport — cut links, loss — that an operator or a test
// drives while the cluster runs.
package live
