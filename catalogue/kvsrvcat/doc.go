// Package kvsrvcat is the catalogue of systems/kvsrv, the single-server
// store with versioned puts, and of the lock built on it
// (systems/kvsrv/lock): exact versions under racing clients, exactly-once
// puts over a lossy network (ErrMaybe seen, never a double apply), the
// versioned porcupine model on every history, locks that never have two
// holders, and the store's known limit, a single server that keeps its
// state in memory.
package kvsrvcat
