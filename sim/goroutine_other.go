//go:build !amd64 && !arm64

package sim

// goroutineKey identifies the calling goroutine: on architectures without
// the assembly read of the runtime's g, its id, parsed from the header of
// its stack trace (a few microseconds).
func goroutineKey() uint64 { return goroutineID() }
