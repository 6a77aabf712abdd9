// Package register is an atomic multi-writer register replicated over a
// majority of replicas: the ABD algorithm (Attiya, Bar-Noy and Dolev, 1995,
// with Lynch and Shvartsman's multi-writer tags).
//
// It is simlab's first system: small enough to read in one sitting, yet it
// needs everything the simulator offers to be tested properly. Replicas keep
// a (tag, value) pair on disk and must make it durable before they
// acknowledge it; clients talk to every replica, retry on a timer, and finish
// each phase when a majority has answered, so any minority of replicas may
// crash, pause or be cut off.
//
// Every operation takes two phases. A write asks a majority for their tags,
// picks a tag greater than all of them, and stores (tag, value) at a
// majority. A read asks a majority for (tag, value), takes the pair with the
// greatest tag, and writes it back to a majority before returning, so that no
// later read can return an older value. Tags order operations: if operation
// a returns before operation b is invoked, tag(b) ≥ tag(a), strictly for a
// write. CheckHistory verifies exactly that on a recorded history.
package register
