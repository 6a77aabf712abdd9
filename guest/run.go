package guest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
)

// Config is everything a run of a guest depends on besides its program:
// the seed, the arguments and the environment. Nothing of the host machine
// reaches the guest except through it (the files of Dir excepted, which
// the guest may read).
type Config struct {
	// Seed draws every random byte the guest asks for.
	Seed uint64
	// Name is the program's name, argv[0]: "guest" when empty. It is fixed
	// so that the path a module was found at never changes a run.
	Name string
	// Args are the arguments after the name.
	Args []string
	// Env is the environment, as KEY=VALUE. PWD, TMPDIR and HOME are set
	// to the mounts below unless given.
	Env []string
	// Dir, when set, is a host directory the guest sees, read-only, as
	// /work, its working directory (a package's testdata, say).
	Dir string
	// Scratch is a host directory the guest sees as /tmp, its temporary
	// directory, to write in. Empty means a new one, removed after the run.
	Scratch string
	// Stdout and Stderr receive what the guest writes; nil discards it.
	Stdout, Stderr io.Writer
	// VirtualLimit stops the run when its virtual time passes it, wherever
	// the guest is: DefaultVirtualLimit when zero.
	VirtualLimit time.Duration
	// WallLimit stops the run after this much wall time, with the guest's
	// call stack (a loop that never waits); no limit when zero.
	WallLimit time.Duration
	// WorkCost is the virtual time 1,000 units of the guest's work take
	// (DefaultWorkCost when zero); see DESIGN.md for how it was chosen.
	WorkCost time.Duration
	// Epoch is the wall-clock time at which the run starts: DefaultEpoch
	// when zero.
	Epoch time.Time
	// Trace, when set, receives every host call. It does not change the
	// run.
	Trace func(Record)
}

// Defaults of Config.
const (
	DefaultVirtualLimit = time.Hour
	// DefaultWorkCost is the virtual time of 1,000 units of work: a unit
	// is a function entry or a loop iteration of the guest's wasm code.
	DefaultWorkCost = 2 * time.Microsecond
)

// DefaultEpoch is when every run's wall clock starts.
var DefaultEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *Config) virtualLimit() time.Duration {
	if c.VirtualLimit > 0 {
		return c.VirtualLimit
	}
	return DefaultVirtualLimit
}

func (c *Config) workCost() time.Duration {
	if c.WorkCost > 0 {
		return c.WorkCost
	}
	return DefaultWorkCost
}

func (c *Config) epoch() time.Time {
	if c.Epoch.IsZero() {
		return DefaultEpoch
	}
	return c.Epoch
}

// StopReason says why the host ended a run the guest did not end itself.
type StopReason string

// Why a run was stopped.
const (
	StopVirtualLimit StopReason = "virtual-limit" // its virtual time passed Config.VirtualLimit
	StopWallLimit    StopReason = "wall-limit"    // it ran past Config.WallLimit
	StopCanceled     StopReason = "canceled"      // the context was canceled
	StopTrap         StopReason = "trap"          // the guest trapped (a wasm runtime error)
)

// Result is how a run ended and what it did.
type Result struct {
	// Exit is the exit status the guest gave, or -1 if it was stopped.
	Exit int
	// Stop says why the host stopped it; empty when it exited.
	Stop StopReason
	// Message says more about a stop; Stack is the guest's call stack (wasm
	// functions, innermost first) where it was stopped.
	Message, Stack string
	// Virtual is the virtual time at the end; Idle the part of it spent
	// waiting with nothing to run, the rest being work.
	Virtual, Idle time.Duration
	// Work is the units of work the guest did (see meter.go).
	Work uint64
	// HostCalls counts the calls recorded (clock readings, waits, yields,
	// random draws, writes); Sleeps, Yields and Ticks some of them.
	HostCalls, Sleeps, Yields, Ticks int64
	// Fingerprint folds everything the guest received from the host, in
	// order: equal for two runs of the same program and Config.
	Fingerprint uint64
	// Wall is the wall time the run took, instantiation included.
	Wall time.Duration
}

// Passed reports whether the guest exited with status 0.
func (r *Result) Passed() bool { return r.Stop == "" && r.Exit == 0 }

// stopError ends a run from inside a host call.
type stopError struct {
	reason StopReason
	msg    string
	tick   bool // stopped at a tick of the meter
}

func (e *stopError) Error() string { return e.msg }

// Run runs the program once under cfg. The error is for a run that could
// not start (a scratch directory that cannot be made); everything that
// happened to the guest is in the Result.
func (p *Program) Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	scratch := cfg.Scratch
	if scratch == "" {
		dir, err := os.MkdirTemp("", "simlab-guest-*")
		if err != nil {
			return nil, fmt.Errorf("the guest's scratch directory: %w", err)
		}
		defer os.RemoveAll(dir)
		scratch = dir
	}
	inst := newInstance(&cfg)
	inst.ctx = ctx
	mc := moduleConfig(inst, cfg.Name, cfg.Args, cfg.Stdout, cfg.Stderr).
		WithStdin(strings.NewReader("")).
		WithFSConfig(mounts(cfg.Dir, scratch, inst.epochNanos))
	for _, kv := range environment(cfg) {
		k, v, _ := strings.Cut(kv, "=")
		mc = mc.WithEnv(k, v)
	}
	rctx := context.WithValue(ctx, runKey{}, inst)
	mod, err := p.rt.InstantiateModule(rctx, p.code, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiating the module: %w", err)
	}
	defer mod.Close(ctx)
	inst.attach(mod)
	_, err = mod.ExportedFunction("_start").Call(rctx)

	res := &Result{Exit: -1}
	res.ended(err)
	res.Virtual, res.Idle = time.Duration(inst.now()), time.Duration(inst.idle)
	res.Work = inst.fuelUsed()
	res.HostCalls, res.Sleeps, res.Yields, res.Ticks = inst.seq, inst.sleeps, inst.yields, inst.ticks
	res.Fingerprint = inst.fp
	res.Wall = time.Since(start)
	return res, nil
}

// stackOf is the wasm stack trace wazero appended to a host call's panic.
// moduleConfig is how a guest is instantiated: its program name (argv[0],
// "guest" if empty) and arguments, no start functions (the host calls
// _start), and its output folded into inst and passed on to stdout and
// stderr (either may be nil).
func moduleConfig(inst *instance, name string, args []string, stdout, stderr io.Writer) wazero.ModuleConfig {
	if name == "" {
		name = "guest"
	}
	return wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithArgs(append([]string{name}, args...)...).
		WithStdout(&outWriter{inst, 1, stdout}).
		WithStderr(&outWriter{inst, 2, stderr})
}

// ended records how a guest's _start call ended: its exit status, or why
// the host stopped it and where.
func (res *Result) ended(err error) {
	var exit *sys.ExitError
	var stop *stopError
	switch {
	case err == nil:
		res.Exit = 0
	case errors.As(err, &stop):
		res.Stop, res.Message = stop.reason, stop.msg
		res.Stack = stackOf(err)
		if stop.tick {
			// The top frame is the meter's borrowed clock_time_get call.
			_, res.Stack, _ = strings.Cut(res.Stack, "\n")
		}
	case errors.As(err, &exit):
		res.Exit = int(exit.ExitCode())
	default:
		res.Stop = StopTrap
		res.Message, res.Stack, _ = strings.Cut(err.Error(), "\nwasm stack trace:\n")
		res.Stack = tidyStack(res.Stack)
	}
}

func stackOf(err error) string {
	_, st, ok := strings.Cut(err.Error(), "\nwasm stack trace:\n")
	if !ok {
		return ""
	}
	return tidyStack(st)
}

func tidyStack(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// environment is cfg.Env with the defaults the mounts imply.
func environment(cfg Config) []string {
	env := append([]string(nil), cfg.Env...)
	has := func(k string) bool {
		for _, kv := range env {
			if strings.HasPrefix(kv, k+"=") {
				return true
			}
		}
		return false
	}
	pwd := "/tmp"
	if cfg.Dir != "" {
		pwd = "/work"
	}
	for _, kv := range []string{"PWD=" + pwd, "TMPDIR=/tmp", "HOME=/tmp"} {
		k, _, _ := strings.Cut(kv, "=")
		if !has(k) {
			env = append(env, kv)
		}
	}
	return env
}

// outWriter passes what the guest writes on, folding it into the run.
type outWriter struct {
	r  *instance
	fd int
	w  io.Writer
}

func (o *outWriter) Write(p []byte) (int, error) {
	o.r.output(o.fd, p)
	if o.w != nil {
		o.w.Write(p)
	}
	return len(p), nil
}
