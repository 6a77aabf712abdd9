package sim

// Hooks for the external tests of package sim.
var (
	GoroutineKeyForTest = goroutineKey
	GoroutineIDForTest  = goroutineID
)
