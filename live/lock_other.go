//go:build !unix

package live

import (
	"fmt"
	"os"
)

// lockDir refuses: without flock this build cannot keep a second process
// off a node's data directory, and two writers would corrupt its state.
func lockDir(dir, name string) (*os.File, error) {
	return nil, fmt.Errorf("live: node %s: locking a data directory is implemented on Unix only, and running without the lock risks two processes writing one node's state", name)
}
