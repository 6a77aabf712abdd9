package guest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/simlab-go/simlab/sim/node"
)

// maxVirtual is the end of virtual time: a wait that long is forever.
const maxVirtual = int64(math.MaxInt64 / 2)

// tickQuantum is the work between two ticks: about a millisecond of a
// guest's wall time, so a wall-clock limit is noticed within a few
// milliseconds even in a loop that never calls the host.
const tickQuantum = 1 << 20

// wallCheckEvery is how many host calls pass between two readings of the
// real clock for the wall-time limit (ticks always read it).
const wallCheckEvery = 1024

// instance is one run of a guest in progress: the host's side of it. Only
// the goroutine running the guest touches it.
type instance struct {
	ctx  context.Context
	cfg  *Config
	fuel api.MutableGlobal // nil for a module that was not metered

	// The virtual clock: idle is the time spent waiting (the jumps);
	// work is the fuel spent, which costs workCost per 1,000 units.
	idle       int64
	fuelBase   uint64 // fuel spent before the counter was last set
	fuelSet    int64  // what the counter was last set to
	workCost   int64
	epochNanos int64
	limit      int64 // virtual budget, ns

	rand *node.Rand
	fp   uint64
	seq  int64 // host calls so far

	wallStart time.Time
	sinceWall int

	yields, ticks, sleeps int64
	inTick                bool // in a tick, whose host call is no frame of the guest's

	// node is set when the guest runs as a node of a World (node.go): its
	// clock is the node's, read at each resumption (base) plus the work
	// done since (fuel past fuelMark), and its waits end the handler call.
	node     *nodeRun
	base     int64
	fuelMark uint64
}

func newInstance(cfg *Config) *instance {
	return &instance{
		cfg:        cfg,
		workCost:   int64(cfg.workCost()),
		epochNanos: cfg.epoch().UnixNano(),
		limit:      int64(cfg.virtualLimit()),
		rand:       node.NewRand(node.Mix(cfg.Seed, node.HashString("guest:random"))),
		fp:         node.Mix(cfg.Seed, node.HashString("guest")),
	}
}

// attach binds the instance to its module and starts the meter.
func (r *instance) attach(mod api.Module) {
	if g, ok := mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal); ok {
		r.fuel = g
		r.fuelSet = tickQuantum
		g.Set(tickQuantum)
	}
	r.wallStart = time.Now()
}

// fuelUsed is the work the guest has done so far.
func (r *instance) fuelUsed() uint64 {
	if r.fuel == nil {
		return 0
	}
	left := int64(r.fuel.Get())
	return r.fuelBase + uint64(r.fuelSet-left)
}

// now is the virtual monotonic time: waits plus work; for a node, the
// node's clock when the guest last resumed plus the work since.
func (r *instance) now() int64 {
	if r.node != nil {
		return r.base + int64(r.fuelUsed()-r.fuelMark)*r.workCost/1000
	}
	return r.idle + int64(r.fuelUsed())*r.workCost/1000
}

func (r *instance) wallNow() int64 { return r.epochNanos + r.now() }

// call accounts for one host call: the budgets, and the fingerprint.
func (r *instance) call(kind Kind, v uint64, detail func() string) {
	r.seq++
	r.fp = node.Mix(r.fp, uint64(kind), v)
	now := r.now()
	if r.cfg.Trace != nil {
		d := ""
		if detail != nil {
			d = detail()
		}
		r.cfg.Trace(Record{Seq: r.seq, Time: time.Duration(now), Kind: kind, Value: v, Detail: d, Fingerprint: r.fp})
	}
	if now > r.limit {
		r.stop(StopVirtualLimit, fmt.Sprintf("the virtual-time budget of %v is spent (virtual time %v)", time.Duration(r.limit), time.Duration(now)))
	}
	r.sinceWall++
	if r.sinceWall >= wallCheckEvery {
		r.checkWall()
	}
}

func (r *instance) checkWall() {
	r.sinceWall = 0
	if r.ctx != nil && r.ctx.Err() != nil {
		r.stop(StopCanceled, fmt.Sprintf("canceled at virtual time %v: %v", time.Duration(r.now()), r.ctx.Err()))
	}
	if r.cfg.WallLimit > 0 {
		if el := time.Since(r.wallStart); el > r.cfg.WallLimit {
			why := "a loop that never waits?"
			if r.yields > 1000 {
				why = fmt.Sprintf("its goroutines busy-waited with sched_yield %d times: a program built without gotest.Build's runtime patch waits so for a signal", r.yields)
			}
			r.stop(StopWallLimit, fmt.Sprintf("still running after %v of wall time (virtual time %v): %s", el.Round(time.Millisecond), time.Duration(r.now()), why))
		}
	}
}

// stop ends the run from inside a host call; wazero unwinds the guest and
// returns the error with the guest's call stack.
func (r *instance) stop(reason StopReason, msg string) {
	panic(&stopError{reason: reason, msg: msg, tick: r.inTick})
}

func (r *instance) clockRead(id uint32, t int64) {
	kind := KindClock
	if id == clockRealtime {
		kind = KindWallClock
	}
	r.call(kind, uint64(t), nil)
}

// sleep is a wait with nothing else to do: the clock jumps by d.
func (r *instance) sleep(d int64) {
	now := r.now()
	if d > r.limit-now {
		r.idle += max(r.limit-now, 0)
		r.stop(StopVirtualLimit, fmt.Sprintf("the virtual-time budget of %v is spent: every goroutine waits, the next wake-up %v away", time.Duration(r.limit), sleepText(d)))
	}
	r.idle += d
	r.sleeps++
	r.call(KindSleep, uint64(d), nil)
	if r.node != nil {
		r.node.wait(r, now+d)
	}
}

func sleepText(d int64) string {
	if d >= maxVirtual/2 {
		return "never (no timer is set)"
	}
	return time.Duration(d).String()
}

// tick is the meter's call when its counter has run out: the guest has
// done another tickQuantum of work.
func (r *instance) tick() {
	r.inTick = true
	defer func() { r.inTick = false }()
	r.fuelBase += uint64(r.fuelSet)
	r.fuelSet = tickQuantum
	r.fuel.Set(tickQuantum)
	r.ticks++
	r.checkWall()
	if now := r.now(); now > r.limit {
		r.stop(StopVirtualLimit, fmt.Sprintf("the virtual-time budget of %v is spent working (virtual time %v)", time.Duration(r.limit), time.Duration(now)))
	}
}

// yield is a sched_yield of the guest's: a goroutine busy-waiting (the
// Go runtime's own wait for a signal, when not patched away).
func (r *instance) yield() {
	r.yields++
	r.call(KindYield, 0, nil)
}

func (r *instance) random(b []byte) {
	r.rand.Read(b)
	h := hashBytes(b)
	r.call(KindRandom, h, func() string { return fmt.Sprintf("%d bytes %x", len(b), b[:min(len(b), 8)]) })
}

// output folds what the guest writes to fd into the fingerprint; a node's
// goes to its log too.
func (r *instance) output(fd int, p []byte) {
	if r.node != nil {
		r.node.env.Logf("%s", strings.TrimRight(string(p), "\n"))
		if fd == 1 {
			r.node.stdout(p)
		}
	}
	r.call(KindWrite, node.Mix(uint64(fd), hashBytes(p)), func() string {
		s := string(p[:min(len(p), 80)])
		return fmt.Sprintf("fd %d, %d bytes: %q", fd, len(p), s)
	})
}

// fdReady says whether a descriptor the guest polls is ready: a guest
// node's sockets are when the network made them so, everything else at
// once.
func (r *instance) fdReady(fd int32, write bool) bool {
	if r.node == nil || r.node.stack == nil {
		return true
	}
	return r.node.stack.ready(fd, write)
}
