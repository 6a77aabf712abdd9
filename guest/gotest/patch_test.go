package gotest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot makes a GOROOT holding the two runtime files the patches read,
// each with the given content ("" leaves the file out).
func fakeRoot(t *testing.T, lock, proc string) goEnvironment {
	t.Helper()
	root := t.TempDir()
	for file, src := range map[string]string{runtimeFile: lock, procFile: proc} {
		if src == "" {
			continue
		}
		path := filepath.Join(root, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return goEnvironment{GOROOT: root, GOVERSION: "go0.fake"}
}

// TestWriteOverlay: a toolchain whose files hold the lines a patch
// replaces is patched; one whose files do not is built unpatched with a
// warning that names the file and what is lost, unless the patch was asked
// for explicitly (the shuffled schedule), which is an error.
func TestWriteOverlay(t *testing.T) {
	lockOK := "func notetsleepg() {\n" + spinWait + "}\n"
	procOK := "func runqput() {\n" + fifoPut + "}\n"
	for _, tt := range []struct {
		name       string
		lock, proc string
		shuffle    bool
		patched    []string // the files the overlay replaces
		warning    string   // "" for none
		err        string   // "" for none
	}{
		{"both patched", lockOK, procOK, true, []string{runtimeFile, procFile}, "", ""},
		{"fifo needs only the wait", lockOK, "", false, []string{runtimeFile}, "", ""},
		{"an unknown wait is a warning", "func notetsleepg() {}\n", procOK, false, nil, "go0.fake's src/runtime/lock_wasip1.go is built unpatched (its code is not what the patch expects), so a program calling signal.Notify will run slowly", ""},
		{"a missing file is a warning", "", "", false, nil, "lock_wasip1.go is built unpatched", ""},
		{"the shuffle cannot be left out", lockOK, "func runqput() {}\n", true, nil, "", "go0.fake's src/runtime/proc.go cannot be patched to shuffle goroutines"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := fakeRoot(t, tt.lock, tt.proc)
			path, warning, err := writeOverlay(env, t.TempDir(), tt.shuffle)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.warning == "" && warning != "" || !strings.Contains(warning, tt.warning) {
				t.Errorf("warning %q, want %q", warning, tt.warning)
			}
			if len(tt.patched) == 0 {
				if path != "" {
					t.Errorf("overlay %s written with nothing to patch", path)
				}
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var ov struct{ Replace map[string]string }
			if err := json.Unmarshal(b, &ov); err != nil {
				t.Fatal(err)
			}
			if len(ov.Replace) != len(tt.patched) {
				t.Errorf("the overlay replaces %d files, want %d: %v", len(ov.Replace), len(tt.patched), ov.Replace)
			}
			for _, file := range tt.patched {
				by := ov.Replace[filepath.Join(env.GOROOT, filepath.FromSlash(file))]
				src, err := os.ReadFile(by)
				if err != nil || !strings.Contains(string(src), "simlab:") {
					t.Errorf("%s replaced by %q, which is not patched (%v)", file, by, err)
				}
			}
		})
	}
}
