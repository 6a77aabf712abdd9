package violations

import (
	clock "time"
)

// Renaming the import does not hide the real clock.
func renamed() clock.Time {
	return clock.Now() // want realtime
}
