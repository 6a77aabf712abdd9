package guest

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The host side of WASI that decides what a guest sees: its clocks, its
// waits, its yields and its randomness. Everything else (files, arguments,
// environment, output) is wazero's own implementation over what Config
// gives. Each call finds its run in the context the guest was started with,
// so one compiled host module serves every run of a process.

// WASI error numbers the host returns.
const (
	errnoSuccess = 0
	errnoFault   = 21
	errnoInval   = 28
)

// monotonicOrigin is what the monotonic clock reads when a run starts, as
// if the machine had booted a second earlier: Go's runtime refuses a
// reading of zero.
const monotonicOrigin = int64(time.Second)

// WASI clock ids.
const (
	clockRealtime         = 0
	clockMonotonic        = 1
	clockProcessCPUTimeID = 2
	clockThreadCPUTimeID  = 3
)

// WASI event types.
const (
	eventClock   = 0
	eventFdRead  = 1
	eventFdWrite = 2
)

type runKey struct{}

func runOf(ctx context.Context) *instance {
	r, _ := ctx.Value(runKey{}).(*instance)
	if r == nil {
		// A module instantiated outside Run: nothing to answer from.
		panic(fmt.Errorf("guest: a host call outside a run"))
	}
	return r
}

// instantiateHost builds the wasi_snapshot_preview1 module of a runtime:
// wazero's functions, with the ones above replaced.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(clockTimeGet), []api.ValueType{i32, i64, i32}, []api.ValueType{i32}).
		WithParameterNames("id", "precision", "result.timestamp").Export("clock_time_get")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(clockResGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("id", "result.resolution").Export("clock_res_get")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(pollOneoff), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("in", "out", "nsubscriptions", "result.nevents").Export("poll_oneoff")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(schedYield), nil, []api.ValueType{i32}).
		Export("sched_yield")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(randomGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("buf", "buf_len").Export("random_get")
	_, err := b.Instantiate(ctx)
	return err
}

func clockTimeGet(ctx context.Context, mod api.Module, stack []uint64) {
	r := runOf(ctx)
	id, out := uint32(stack[0]), uint32(stack[2])
	if id == tickClockID {
		r.tick()
		stack[0] = errnoSuccess
		return
	}
	var t int64
	switch id {
	case clockRealtime:
		t = r.wallNow()
	case clockMonotonic, clockProcessCPUTimeID, clockThreadCPUTimeID:
		t = monotonicOrigin + r.now()
	default:
		stack[0] = errnoInval
		return
	}
	r.clockRead(id, t)
	if !mod.Memory().WriteUint64Le(out, uint64(t)) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

func clockResGet(ctx context.Context, mod api.Module, stack []uint64) {
	id, out := uint32(stack[0]), uint32(stack[1])
	if id > clockThreadCPUTimeID {
		stack[0] = errnoInval
		return
	}
	if !mod.Memory().WriteUint64Le(out, 1) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// schedYield is the guest's own sched_yield: a goroutine busy-waiting.
func schedYield(ctx context.Context, mod api.Module, stack []uint64) {
	runOf(ctx).yield()
	stack[0] = errnoSuccess
}

func randomGet(ctx context.Context, mod api.Module, stack []uint64) {
	r := runOf(ctx)
	buf, n := uint32(stack[0]), uint32(stack[1])
	b, ok := mod.Memory().Read(buf, n)
	if !ok {
		stack[0] = errnoFault
		return
	}
	r.random(b)
	stack[0] = errnoSuccess
}

// pollOneoff waits for the first of its subscriptions. Descriptors (files,
// standard input) are always ready: nothing a guest reads here blocks, and
// standard input is empty; a guest node's sockets are ready when the
// network made them so (netStack.ready). A wait with nothing ready is a
// wait with nothing else to do: the virtual clock jumps to the earliest
// deadline (a guest node hands its handler call back until then, or until
// a segment arrives).
func pollOneoff(ctx context.Context, mod api.Module, stack []uint64) {
	r := runOf(ctx)
	in, out, nsubs, resultN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if nsubs == 0 {
		stack[0] = errnoInval
		return
	}
	mem := mod.Memory()
	subs, ok := mem.Read(in, nsubs*48)
	if !ok {
		stack[0] = errnoFault
		return
	}
	evs, ok := mem.Read(out, nsubs*32)
	if !ok {
		stack[0] = errnoFault
		return
	}
	le := binary.LittleEndian
	now := r.now()
	due := make([]int64, nsubs) // each clock subscription's deadline, virtual ns
	wake := int64(-1)           // the earliest of them
	for i := uint32(0); i < nsubs; i++ {
		s := subs[i*48 : i*48+48]
		switch s[8] {
		case eventClock:
			timeout := le.Uint64(s[24:32])
			var at int64
			switch {
			case le.Uint16(s[40:42])&1 != 0: // an absolute deadline
				at = int64(min(timeout, uint64(maxVirtual)))
				if le.Uint32(s[16:20]) == clockRealtime {
					at -= r.epochNanos
				} else {
					at -= monotonicOrigin
				}
			case timeout >= uint64(maxVirtual-now):
				at = maxVirtual
			default:
				at = now + int64(timeout)
			}
			due[i] = at
			if wake < 0 || at < wake {
				wake = at
			}
		case eventFdRead, eventFdWrite:
		default:
			stack[0] = errnoInval
			return
		}
	}
	// Wait until a descriptor is ready or a deadline comes. Outside a
	// World every descriptor is ready at once; a guest node's sockets are
	// ready when their segments say so, and its waits end the handler call
	// until a timer or a segment resumes it.
	ready := make([]bool, nsubs)
	for {
		anyReady := false
		for i := uint32(0); i < nsubs; i++ {
			s := subs[i*48 : i*48+48]
			switch s[8] {
			case eventClock:
				ready[i] = due[i] <= now
			default:
				ready[i] = r.fdReady(int32(le.Uint32(s[16:20])), s[8] == eventFdWrite)
			}
			anyReady = anyReady || ready[i]
		}
		if anyReady {
			break
		}
		if wake < 0 {
			wake = maxVirtual // descriptors only: wait for one
		}
		r.sleep(wake - now)
		now = r.now()
	}
	n := uint32(0)
	for i := uint32(0); i < nsubs; i++ {
		if !ready[i] {
			continue // not due: a descriptor or an earlier deadline came first
		}
		s := subs[i*48 : i*48+48]
		e := evs[n*32 : n*32+32]
		clear(e)
		copy(e[0:8], s[0:8])
		e[10] = s[8]
		n++
	}
	if !mem.WriteUint32Le(resultN, n) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}
