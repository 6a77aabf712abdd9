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

// The scheduling patch (Schedule "shuffle"). On wasm Go's scheduler has one
// P and no sysmon, so it never uses runnext: a goroutine made runnable
// (woken by a channel, a lock, a timer or the network) joins the tail of
// the run queue, and goroutines run first in, first out. The patch gives
// it a place drawn at random among those waiting instead, from the
// runtime's own generator, which the host seeds: the seed then chooses the
// order in which runnable goroutines run, and a run replays.

const procFile = "src/runtime/proc.go"

// fifoPut is what the scheduling patch replaces in runqput.
const fifoPut = `	if t-h < uint32(len(pp.runq)) {
		pp.runq[t%uint32(len(pp.runq))].set(gp)
		atomic.StoreRel(&pp.runqtail, t+1) // store-release, makes the item available for consumption
		return
	}
`

// shufflePut is what it puts there.
const shufflePut = `	if t-h < uint32(len(pp.runq)) {
		pp.runq[t%uint32(len(pp.runq))].set(gp)
		// simlab: a place drawn at random among the goroutines waiting.
		if j := h + cheaprandn(t-h+1); j != t {
			a, b := &pp.runq[t%uint32(len(pp.runq))], &pp.runq[j%uint32(len(pp.runq))]
			ga, gb := a.ptr(), b.ptr()
			a.set(gb)
			b.set(ga)
		}
		atomic.StoreRel(&pp.runqtail, t+1) // store-release, makes the item available for consumption
		return
	}
`

// patch is one replacement in one file of the toolchain.
type patch struct {
	file, old, new string
	why            string // what a toolchain without it loses
}

// writeOverlay writes the patched files and the overlay naming them into
// cacheDir, and returns the overlay's path. A patch whose lines the
// toolchain's file does not have is left out with a warning, unless it is
// required, which is an error.
func writeOverlay(env goEnvironment, cacheDir string, shuffle bool) (path, warning string, err error) {
	patches := []patch{{runtimeFile, spinWait, timerWait, "a program calling signal.Notify will run slowly"}}
	if shuffle {
		patches = append(patches, patch{procFile, fifoPut, shufflePut, ""})
	}
	replace := map[string]string{}
	var patched []string
	var warnings []string
	for _, p := range patches {
		orig := filepath.Join(env.GOROOT, filepath.FromSlash(p.file))
		src, err := os.ReadFile(orig)
		if err == nil && strings.Count(string(src), p.old) != 1 {
			err = fmt.Errorf("its code is not what the patch expects")
		}
		if err != nil {
			if p.why == "" {
				return "", "", fmt.Errorf("%s's %s cannot be patched to shuffle goroutines (%v): this toolchain runs them first in, first out only", env.GOVERSION, p.file, err)
			}
			warnings = append(warnings, fmt.Sprintf("%s's %s is built unpatched (%v), so %s", env.GOVERSION, p.file, err, p.why))
			continue
		}
		replace[orig] = ""
		patched = append(patched, orig, strings.Replace(string(src), p.old, p.new, 1))
	}
	warning = strings.Join(warnings, "; ")
	if len(replace) == 0 {
		return "", warning, nil
	}
	sum := sha256.Sum256([]byte(strings.Join(patched, "\x00")))
	dir := filepath.Join(cacheDir, "overlay-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("the runtime patch: %w", err)
	}
	for i := 0; i < len(patched); i += 2 {
		file := filepath.Join(dir, filepath.Base(patched[i]))
		if err := writeIfChanged(file, []byte(patched[i+1])); err != nil {
			return "", "", fmt.Errorf("the runtime patch: %w", err)
		}
		replace[patched[i]] = file
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": replace})
	path = filepath.Join(dir, "overlay.json")
	if err := writeIfChanged(path, ov); err != nil {
		return "", "", fmt.Errorf("the runtime patch: %w", err)
	}
	return path, warning, nil
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
