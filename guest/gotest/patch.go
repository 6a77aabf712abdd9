package gotest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The runtime patch. On wasip1 Go's runtime waits on a note (a one-shot
// event) by spinning: sched_yield, Gosched, look again. The goroutine that
// os/signal starts on the first signal.Notify waits so for ever, since no
// signal ever comes. It is always runnable, so the scheduler never goes idle
// and never tells the host how long it may sleep: virtual time would move
// only with the spinning's own work, a crawl, and a program would run under
// a different clock depending on whether something called signal.Notify.
//
// The patch makes that wait sleep on a timer instead (a second at a time,
// or until its deadline), so the scheduler idles and the host jumps to the
// next timer as for any program. It is made at build time from the
// installed toolchain's own file and given to the go command as an
// -overlay, so no runtime is forked or vendored: a toolchain whose file
// does not contain the lines the patch replaces builds unpatched, with a
// warning.

const runtimeFile = "src/runtime/lock_wasip1.go"

// spinWait is what the patch replaces in notetsleepg.
const spinWait = `		if sched_yield() != 0 {
			throw("sched_yield failed")
		}
		Gosched()
`

// timerWait is what it puts there.
const timerWait = `		// simlab: sleep on a timer rather than spin, so that the scheduler
		// can go idle and the host can jump to the next timer.
		wait := int64(1e9)
		if ns >= 0 {
			wait = min(wait, deadline-nanotime())
		}
		if wait > 0 {
			timeSleep(wait)
		} else {
			Gosched()
		}
`

// writeOverlay writes the patched file and the overlay naming it into
// cacheDir, and returns the overlay's path; "" and a warning when the
// toolchain's file does not have the lines the patch replaces.
func writeOverlay(env goEnvironment, cacheDir string) (path, warning string, err error) {
	orig := filepath.Join(env.GOROOT, filepath.FromSlash(runtimeFile))
	src, err := os.ReadFile(orig)
	if err != nil {
		return "", fmt.Sprintf("%s has no %s to patch (%v): a program calling signal.Notify will run slowly", env.GOVERSION, runtimeFile, err), nil
	}
	if strings.Count(string(src), spinWait) != 1 {
		return "", fmt.Sprintf("%s's %s does not wait as the patch expects: built unpatched, so a program calling signal.Notify will run slowly", env.GOVERSION, runtimeFile), nil
	}
	patched := strings.Replace(string(src), spinWait, timerWait, 1)
	sum := sha256.Sum256([]byte(orig + "\x00" + patched))
	dir := filepath.Join(cacheDir, "overlay-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("the runtime patch: %w", err)
	}
	file := filepath.Join(dir, "lock_wasip1.go")
	if err := writeIfChanged(file, []byte(patched)); err != nil {
		return "", "", fmt.Errorf("the runtime patch: %w", err)
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {orig: file}})
	path = filepath.Join(dir, "overlay.json")
	if err := writeIfChanged(path, ov); err != nil {
		return "", "", fmt.Errorf("the runtime patch: %w", err)
	}
	return path, "", nil
}

// writeIfChanged writes data to name unless it holds it already; a new
// file appears whole (written aside, renamed), since several builds may
// share the cache.
func writeIfChanged(name string, data []byte) error {
	if old, err := os.ReadFile(name); err == nil && string(old) == string(data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}
