//go:build unix

package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockName is the data directory's lock file: held (flock, exclusive) by
// the process that runs the node, and holding a line that names it.
const lockName = "lock"

// lockDir takes the exclusive lock on dir for this process, for as long as
// the returned file stays open; a directory another process (or another
// Node of this one) holds is refused with the holder's line. The kernel
// drops the lock when the process dies, however it dies, so no stale lock
// outlives a crash.
func lockDir(dir, name string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("live: data directory: %w", err)
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("live: data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := strings.TrimSpace(string(holder))
			if h == "" {
				h = "a process that has not written its name yet"
			}
			return nil, fmt.Errorf("live: data directory %s is in use by %s (it holds %s): two processes writing one node's state would corrupt it; stop that one first, or give node %s another directory", dir, h, path, name)
		}
		return nil, fmt.Errorf("live: locking data directory %s: %w", dir, err)
	}
	host, _ := os.Hostname()
	line := fmt.Sprintf("node %s, pid %d on host %s, since %s\n", name, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(line), 0) // the line only informs a refused second process
	}
	return f, nil
}
