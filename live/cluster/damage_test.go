package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/live"
)

// TestDamagedStateIsRefusedLive: a server whose synced Raft state was
// damaged on a real disk (a byte flipped, the log zeroed or truncated, a
// file lost) refuses to start, as a process, with exit status 4 and a
// diagnosis naming the file; the state command says the same; and not one
// byte of the directory changes. A torn tail alone (bytes appended after
// the last sync) is no damage: the server starts and keeps its entries.
func TestDamagedStateIsRefusedLive(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	waitLeader(t, lc.servers)
	c, err := NewClient(cfg, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		if err := c.Put(fmt.Sprintf("k%d", i%5), fmt.Sprint(i), 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	lc.stopAll()
	clusterFile := saveConfig(t, cfg)
	disk := filepath.Join(lc.dir(0), "disk")
	logFile := func(dir string) string {
		m, _ := filepath.Glob(filepath.Join(dir, "disk", "=raft.log.*"))
		if len(m) != 1 {
			t.Fatalf("log files %v in %s", m, dir)
		}
		return m[0]
	}
	edit := func(fn func([]byte) []byte) func(dir string) string {
		return func(dir string) string {
			p := logFile(dir)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, fn(b), 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Base(p)
		}
	}
	remove := func(file string) func(dir string) string {
		return func(dir string) string {
			p := filepath.Join(dir, "disk", file)
			if file == "" {
				p = logFile(dir)
			}
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return filepath.Base(p)
		}
	}
	for _, tc := range []struct {
		name   string
		damage func(dir string) string // returns the file the diagnosis must name
		torn   bool
	}{
		{"a byte flipped in the middle of the log", edit(func(b []byte) []byte { b[len(b)/2] ^= 0x08; return b }), false},
		{"the log zeroed", edit(func(b []byte) []byte { return make([]byte, len(b)) }), false},
		{"the log truncated", edit(func(b []byte) []byte { return b[:len(b)*2/3] }), false},
		{"the log lost", remove(""), false},
		{"the meta lost", remove("=raft.meta"), false},
		{"a torn tail", edit(func(b []byte) []byte { return append(b, 0, 0, 1, 0, 7, 7) }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "s0")
			if err := os.CopyFS(dir, os.DirFS(filepath.Dir(disk))); err != nil {
				t.Fatal(err)
			}
			var healthy bytes.Buffer
			if err := PrintState(&healthy, cfg, dir); err != nil {
				t.Fatalf("state before the damage: %v\n%s", err, healthy.String())
			}
			file := tc.damage(dir)
			before := tree(t, dir)

			var out bytes.Buffer
			err := PrintState(&out, cfg, dir)
			var damaged *live.DamageError
			if tc.torn {
				// Past the file sizes, the state is the one before the
				// torn tail: the same term and vote, and every entry.
				_, want, _ := strings.Cut(healthy.String(), "\nraft: ")
				_, got, _ := strings.Cut(out.String(), "\nraft: ")
				_, holds, _ := strings.Cut(want, "log holds (")
				var first, last int
				if _, err := fmt.Sscanf(holds, "%d, %d]", &first, &last); err != nil || last <= first {
					t.Fatalf("the state before the damage holds no entries to keep (%v):\n%s", err, healthy.String())
				}
				if err != nil || got != want {
					t.Fatalf("state over a torn tail: %v\n%s\nwant, as before the torn tail:\n%s", err, out.String(), healthy.String())
				}
			} else if !errors.As(err, &damaged) || filepath.Base(damaged.Path) != file {
				t.Fatalf("state of a damaged directory: %v; want the diagnosis naming %s", err, file)
			} else {
				var stdout, stderr bytes.Buffer
				if code := NodeMain([]string{"state", "-cluster", clusterFile, "-data", dir}, &stdout, &stderr); code != 4 || !strings.Contains(stderr.String(), file) {
					t.Errorf("simlab-node state: exit %d, %q; want 4 and the diagnosis naming %s", code, stderr.String(), file)
				}
			}

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "SIMLAB_LIVE_NODE=-cluster "+clusterFile+" -node s0 -data "+dir)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if tc.torn {
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Second)
				running := cmd.ProcessState == nil
				cmd.Process.Kill()
				cmd.Wait()
				if !running || strings.Contains(stderr.String(), "refuses") {
					t.Fatalf("the server did not start over a torn tail:\n%s", stderr.String())
				}
				return
			}
			err = cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 4 {
				t.Fatalf("exit %v; want status 4\n%s", err, stderr.String())
			}
			for _, want := range []string{"refuses to start", file, "nothing was changed", damaged.Damage.Found} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("the message does not say %q:\n%s", want, stderr.String())
				}
			}
			if after := tree(t, dir); after != before {
				t.Errorf("refusing changed the directory:\n%s\nbecame\n%s", before, after)
			}
		})
	}
}

// tree describes every file under dir but the lock, by path, size and
// contents.
func tree(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "lock" {
			return err
		}
		data, err := os.ReadFile(p)
		fmt.Fprintf(&b, "%s %d %x\n", p, len(data), data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestOneProcessPerDataDirectory: while a server runs, a second server on
// its directory is refused, in this process and as another process, with a
// message naming the holder; once it stops, the directory is free again.
func TestOneProcessPerDataDirectory(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	clusterFile := saveConfig(t, cfg)
	holder := fmt.Sprintf("pid %d", os.Getpid())
	if _, err := StartServer(cfg, "s0", ServerOptions{Dir: lc.dir(0), Log: quiet}); err == nil || !strings.Contains(err.Error(), holder) {
		t.Fatalf("a second server in this process: %v; want a refusal naming %s", err, holder)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SIMLAB_LIVE_NODE=-cluster "+clusterFile+" -node s0 -data "+lc.dir(0))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "in use by node s0, "+holder) {
		t.Fatalf("a second process: %v\n%s\nwant exit status 1 and the holder named", err, out)
	}
	lc.stop(0)
	lc.start(0) // free again
}

func saveConfig(t *testing.T, cfg *Config) string {
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cluster.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
