package guest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero"
)

// Program is a wasip1 module compiled once and run many times: a sweep's
// worker compiles its program once and instantiates it for every seed.
// It is safe for concurrent use.
type Program struct {
	rt      wazero.Runtime
	code    wazero.CompiledModule
	hash    string
	metered bool
	ticks   bool
}

// CompileOptions are how a module is prepared.
type CompileOptions struct {
	// CacheDir keeps compiled machine code between processes, keyed by the
	// module's content, so the workers of a sweep and later runs skip the
	// compilation (seconds for a test binary). Empty means the user's cache
	// directory (simlab/wazero under os.UserCacheDir), "off" no cache.
	CacheDir string
	// Unmetered runs the module as it is, without the meter: its work
	// costs no virtual time and a loop that never calls the host cannot be
	// stopped. For measuring what the meter costs.
	Unmetered bool
}

// Compile meters module (see meter.go) and compiles it.
func Compile(ctx context.Context, module []byte, o CompileOptions) (*Program, error) {
	sum := sha256.Sum256(module)
	p := &Program{hash: hex.EncodeToString(sum[:])}
	bin := module
	if !o.Unmetered {
		var err error
		if bin, p.ticks, err = meter(module); err != nil {
			return nil, fmt.Errorf("metering the module: %w", err)
		}
		p.metered = true
	}
	cfg := wazero.NewRuntimeConfig()
	if dir, err := cacheDir(o.CacheDir); err != nil {
		return nil, err
	} else if dir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("the compilation cache %s: %w", dir, err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	p.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := instantiateHost(ctx, p.rt); err != nil {
		p.rt.Close(ctx)
		return nil, err
	}
	if err := instantiateSimlab(ctx, p.rt); err != nil {
		p.rt.Close(ctx)
		return nil, err
	}
	code, err := p.rt.CompileModule(ctx, bin)
	if err != nil {
		p.rt.Close(ctx)
		return nil, fmt.Errorf("compiling the module: %w", err)
	}
	p.code = code
	if _, ok := code.ExportedFunctions()["_start"]; !ok {
		p.rt.Close(ctx)
		return nil, errors.New("the module exports no _start: build a command (GOOS=wasip1 GOARCH=wasm go build, or go test -c), not a library")
	}
	return p, nil
}

func cacheDir(dir string) (string, error) {
	switch dir {
	case "off":
		return "", nil
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return "", nil // no cache directory: compile every time
		}
		dir = filepath.Join(base, "simlab", "wazero")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("the compilation cache: %w", err)
	}
	return dir, nil
}

// Hash is the SHA-256 of the module as given, in hex: with the seed, the
// arguments and the environment, what a run is a function of.
func (p *Program) Hash() string { return p.hash }

// Metered reports whether the program's work is counted (Compile's
// default), and whether the meter can stop it anywhere (the module imports
// sched_yield, which Go's do) or only at host calls.
func (p *Program) Metered() (metered, anywhere bool) { return p.metered, p.ticks }

// Close frees the compiled code.
func (p *Program) Close(ctx context.Context) error { return p.rt.Close(ctx) }
