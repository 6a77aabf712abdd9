// Package races holds two concurrency bugs that Go's scheduler on wasm,
// which runs goroutines first in, first out, never shows: each needs a
// goroutine to run before one that was made runnable earlier. The guest
// package's tests measure how many seeds each scheduling strategy
// (gotest.ScheduleFIFO, gotest.ScheduleShuffle) needs to find them.
package races
