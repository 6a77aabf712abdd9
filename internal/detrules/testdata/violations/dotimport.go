package violations

import . "time"

// Neither does a dot import.
func dotted() Duration {
	<-After(Second) // want realtime, channel
	return Millisecond
}
