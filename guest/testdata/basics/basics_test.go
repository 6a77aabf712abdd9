package basics

import (
	"math/rand"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSleepy waits three seconds in steps, as a lab tester's polling loop
// does, with a goroutine of os/signal waiting for a signal all along.
func TestSleepy(t *testing.T) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("slept %v", time.Since(start))
}

// TestTimers fires timers, tickers and AfterFuncs in the order of their
// deadlines, whatever order they were set in.
func TestTimers(t *testing.T) {
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	done := make(chan bool)
	time.AfterFunc(300*time.Millisecond, func() { note("c"); done <- true })
	tm := time.NewTimer(100 * time.Millisecond)
	go func() { <-tm.C; note("a") }()
	go func() {
		select {
		case <-time.After(200 * time.Millisecond):
			note("b")
		case <-done:
			note("late")
		}
	}()
	<-done
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(order, ""); got != "abc" {
		t.Fatalf("timers fired in the order %q, want abc", got)
	}
}

// TestBusy spins until a deadline without ever sleeping: it ends only if
// work moves the clock.
func TestBusy(t *testing.T) {
	start := time.Now()
	n := 0
	for time.Since(start) < 20*time.Millisecond {
		n++
		runtime.Gosched()
	}
	t.Logf("%d rounds in %v", n, time.Since(start))
}

// TestFiles reads the package's testdata and writes a temporary file.
func TestFiles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "hello.txt"))
	if err != nil || !strings.HasPrefix(string(b), "hello") {
		t.Fatalf("reading testdata/hello.txt: %q, %v", b, err)
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(name, []byte("written"), 0o644); err != nil {
		t.Fatalf("writing %s: %v", name, err)
	}
	for _, n := range []string{"c", "a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("listed %v", names)
	if runtime.GOOS == "wasip1" {
		if err := os.WriteFile(filepath.Join("testdata", "nope"), nil, 0o644); err == nil {
			t.Fatalf("the package directory is writable")
		}
	}
}

// TestFlaky fails at about one seed in ten.
func TestFlaky(t *testing.T) {
	if rand.Intn(10) == 3 {
		t.Fatalf("drew three")
	}
}

// TestPanic panics at about one seed in four.
func TestPanic(t *testing.T) {
	if rand.Intn(4) == 0 {
		var m map[string]int
		m["x"] = 1
	}
}

// TestBlocked waits for ever at about one seed in four, until the test's
// timeout.
func TestBlocked(t *testing.T) {
	if rand.Intn(4) == 0 {
		select {}
	}
}

// TestSpin loops without waiting at about one seed in five.
func TestSpin(t *testing.T) {
	if n := rand.Intn(5); testing.Verbose() {
		t.Logf("drew %d", n)
	}
	if rand.Intn(5) == 0 {
		for {
		}
	}
}
