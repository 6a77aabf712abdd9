package sim

import "runtime"

// goroutineID is the calling goroutine's id, read from its stack header
// ("goroutine 42 [running]:"): the portable goroutineKey, at a few
// microseconds a call.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
