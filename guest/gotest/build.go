package gotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binary is a package's test binary built for wasip1.
type Binary struct {
	// Path is where the binary is kept: the cache, named by its content.
	Path string
	// Hash is the SHA-256 of its content, in hex.
	Hash string
	// Dir is the package's directory, absolute; ImportPath its import path.
	Dir, ImportPath string
	// GoVersion is the toolchain that built it.
	GoVersion string
	// Patched says whether the runtime's busy wait was replaced (see
	// patch.go); a toolchain whose runtime the patch does not fit builds
	// without it, and Warning says so.
	Patched bool
	Warning string
	// Schedule is the order its goroutines run in.
	Schedule Schedule
}

// BuildError is a package that does not build for wasip1: Output is what
// the go command said.
type BuildError struct {
	Dir    string
	Output string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("building the tests of %s for wasip1 failed:\n%s", e.Dir, strings.TrimSpace(e.Output))
}

// Build compiles the tests of the package in dir with
// GOOS=wasip1 GOARCH=wasm go test -c -trimpath, the runtime patched so that
// a goroutine waiting for a signal sleeps instead of spinning, and keeps the
// binary in cacheDir (simlab/gotest under the user's cache directory when
// empty) named by its content. The go command's own cache makes a rebuild
// of an unchanged package a link step.
func Build(ctx context.Context, dir, cacheDir string) (*Binary, error) {
	return build(ctx, dir, cacheDir, true, BuildOptions{})
}

// BuildOptions choose how a binary is built.
type BuildOptions struct {
	// Schedule is the order in which the guest's runnable goroutines run:
	// ScheduleFIFO (Go's own on wasm, the default) or ScheduleShuffle.
	Schedule Schedule
}

// Schedule names a scheduling strategy inside a guest.
type Schedule string

// The scheduling strategies.
const (
	// ScheduleFIFO is Go's own order on wasm: a goroutine made runnable
	// runs after every goroutine already waiting to run.
	ScheduleFIFO Schedule = "fifo"
	// ScheduleShuffle gives a goroutine made runnable a place drawn from
	// the run's seed among those waiting (the runtime patched at build
	// time; see patch.go), so seeds explore orders FIFO never runs.
	ScheduleShuffle Schedule = "shuffle"
)

// ParseSchedule reads a strategy's name; "" is FIFO.
func ParseSchedule(s string) (Schedule, error) {
	switch Schedule(s) {
	case "", ScheduleFIFO:
		return ScheduleFIFO, nil
	case ScheduleShuffle:
		return ScheduleShuffle, nil
	}
	return "", fmt.Errorf("unknown goroutine schedule %q: want fifo (Go's own order) or shuffle (an order drawn from the seed)", s)
}

// BuildTests is Build with options.
func BuildTests(ctx context.Context, dir, cacheDir string, o BuildOptions) (*Binary, error) {
	return build(ctx, dir, cacheDir, true, o)
}

// BuildCommand compiles the main package in dir as Build compiles tests
// (GOOS=wasip1 GOARCH=wasm go build -trimpath, the runtime patched, the
// binary kept by its content): a server to run as a guest node.
func BuildCommand(ctx context.Context, dir, cacheDir string) (*Binary, error) {
	return build(ctx, dir, cacheDir, false, BuildOptions{})
}

// BuildCommandWith is BuildCommand with options.
func BuildCommandWith(ctx context.Context, dir, cacheDir string, o BuildOptions) (*Binary, error) {
	return build(ctx, dir, cacheDir, false, o)
}

func build(ctx context.Context, dir, cacheDir string, tests bool, o BuildOptions) (*Binary, error) {
	sched, err := ParseSchedule(string(o.Schedule))
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		what := "a main package"
		if tests {
			what = "a Go package with tests"
		}
		return nil, fmt.Errorf("%s is not a directory: give the directory of %s", dir, what)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("the go command is not on PATH: it builds the package's tests")
	}
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "simlab", "gotest")
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("the build cache: %w", err)
	}
	env, err := goEnv(ctx, goCmd, abs)
	if err != nil {
		return nil, err
	}
	b := &Binary{Dir: abs, GoVersion: env.GOVERSION, Schedule: sched}
	if b.ImportPath, err = importPath(ctx, goCmd, abs); err != nil {
		return nil, err
	}
	args := []string{"build", "-trimpath"}
	if tests {
		args = []string{"test", "-c", "-trimpath"}
	}
	overlay, warn, err := writeOverlay(env, cacheDir, sched == ScheduleShuffle)
	if err != nil {
		return nil, err
	}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
		b.Patched = true
	}
	b.Warning = warn
	out, err := os.CreateTemp(cacheDir, "build-*.wasm")
	if err != nil {
		return nil, fmt.Errorf("the build cache: %w", err)
	}
	tmp := out.Name()
	out.Close()
	defer os.Remove(tmp)
	args = append(args, "-o", tmp, ".")
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var said bytes.Buffer
	cmd.Stdout, cmd.Stderr = &said, &said
	if err := cmd.Run(); err != nil {
		return nil, &BuildError{Dir: dir, Output: said.String()}
	}
	bin, err := os.ReadFile(tmp)
	if err != nil {
		return nil, err
	}
	if len(bin) == 0 && !tests {
		return nil, &BuildError{Dir: dir, Output: "the package is not a main package (go build wrote nothing)\n" + said.String()}
	}
	if len(bin) == 0 {
		return nil, &BuildError{Dir: dir, Output: "the package has no test files (go test -c wrote nothing)\n" + said.String()}
	}
	sum := sha256.Sum256(bin)
	b.Hash = hex.EncodeToString(sum[:])
	b.Path = filepath.Join(cacheDir, b.Hash+".wasm")
	if _, err := os.Stat(b.Path); err != nil {
		if err := os.Rename(tmp, b.Path); err != nil {
			return nil, fmt.Errorf("the build cache: %w", err)
		}
	}
	return b, nil
}

// goEnvironment is what Build asks the go command about itself.
type goEnvironment struct {
	GOROOT, GOVERSION string
}

func goEnv(ctx context.Context, goCmd, dir string) (goEnvironment, error) {
	var e goEnvironment
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json", "GOROOT", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return e, fmt.Errorf("go env: %w", err)
	}
	if err := json.Unmarshal(out, &e); err != nil {
		return e, fmt.Errorf("go env: %w", err)
	}
	return e, nil
}

func importPath(ctx context.Context, goCmd, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, "list", "-f", "{{.ImportPath}}", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	var said bytes.Buffer
	cmd.Stderr = &said
	out, err := cmd.Output()
	if err != nil {
		return "", &BuildError{Dir: dir, Output: said.String()}
	}
	return strings.TrimSpace(string(out)), nil
}
