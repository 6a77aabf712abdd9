//go:build amd64 || arm64

package sim

// currentG returns the address of the calling goroutine's runtime g: an
// identity of the goroutine, unique among the goroutines alive, read in a
// few instructions (goroutine.go explains its use).
func currentG() uintptr

// goroutineKey identifies the calling goroutine.
func goroutineKey() uint64 { return uint64(currentG()) }
