// Package node is the contract every simulated process is written against.
//
// A node is one process (a server, a client, a coordinator) whose logic is a
// [Handler]. The runtime calls Handle for one [Event] at a time and gives the
// handler an [Env], its only window on the world: its identity, its clock,
// its random stream, the network, timers and its disk. Nothing else.
//
// The rules that make a run replayable from one seed follow from that:
//
//   - A handler never blocks, never starts a goroutine, never reads the real
//     clock and never draws randomness from anywhere but Env.Rand.
//   - Effects (sends, timers, disk writes and syncs) are recorded in program
//     order while the handler runs and take effect when it returns. A runtime
//     may crash a node inside a handler by keeping only a prefix of them, so
//     "replied before the vote was durable" is a bug a seed can find.
//   - A crash throws the handler's memory away with its pending timers; a
//     restart builds a fresh handler from the node's [Factory] over the same
//     disk, and the node keeps its [ID].
//   - Messages are plain values that survive an encoding/gob round trip
//     (exported fields, concrete types registered with gob.Register when they
//     travel inside an interface). A receiver must treat a message as
//     read-only: in the default mode the runtime hands over the sender's
//     value, in strict mode a gob copy of it.
//
// Events are delivered as pointers (*Start, *Recv, *Timeout) that the runtime
// owns and reuses: read what you need during the call, keep Msg or Tag if
// you must, never the event itself. That keeps delivery free of heap
// allocation.
//
// The package imports the standard library only, so a system written against
// it can be driven by a hand-written Env in a unit test, by the simulator in
// package sim, or by a live runtime.
package node
