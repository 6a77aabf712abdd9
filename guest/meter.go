package guest

import (
	"errors"
	"fmt"
	"slices"
)

// The meter: how a guest's work becomes a deterministic count.
//
// A wasm program cannot be asked how much it has computed, and the host only
// hears from it at host calls. So the module is rewritten before it is
// compiled: a counter (a mutable i64 global, exported as FuelGlobal) is
// decremented at the entry of every function and at the head of every loop,
// which is every backward jump, and so every basic-block transition of Go's
// wasm code (each Go function is one dispatch loop that every jump goes
// through). The same program given the same inputs counts the same, on any
// machine, and the count grows with the work done: a spinning goroutine
// spends it as fast as a useful one.
//
// When the counter reaches zero the inserted code calls the program's own
// import of wasi_snapshot_preview1.clock_time_get (every Go program reads
// the clock) with a clock id no program uses, tickClockID, which the host
// takes for a tick: it can stop the guest there (a virtual-time budget, a
// wall-clock limit) with the guest's call stack, even in a loop that makes
// no call. Borrowing an import keeps every function index as it is; adding
// one would renumber every call, table entry, export and name. A module
// that does not import clock_time_get traps (unreachable) at zero instead,
// and can then be stopped only at its host calls.

// tickClockID is the clock id of a tick: the bytes "tick", no clock WASI
// defines.
const tickClockID = 0x6b636974

// FuelGlobal is the export name of the metering counter: the work left until
// the next tick, decremented once per function entry and loop iteration.
const FuelGlobal = "simlab_fuel_left"

// meter returns the module bin with its work counted (see above), and
// whether a tick calls the host (false: it traps).
func meter(bin []byte) (out []byte, ticks bool, err error) {
	secs, err := parseSections(bin)
	if err != nil {
		return nil, false, err
	}
	var (
		types        [][]byte // each function type's parameters and results
		importedGlob uint32
		tickFunc     = -1
		codeAt       = -1
	)
	for i, s := range secs {
		switch s.id {
		case secType:
			if types, err = readTypes(s.payload); err != nil {
				return nil, false, err
			}
		case secImport:
			_, importedGlob, tickFunc, err = readImports(s.payload, types)
			if err != nil {
				return nil, false, err
			}
		case secCode:
			codeAt = i
		}
	}
	if codeAt < 0 {
		return nil, false, errors.New("the module has no code section: nothing to run")
	}

	// The counter: one more global, after those imported and defined.
	var global []byte
	global = append(global, 0x7e, 0x01, opI64Const) // i64, mutable, = initialFuel
	global = appendSLEB(global, initialFuel)
	global = append(global, opEnd)
	secs, nglobals, err := appendToSection(secs, secGlobal, global, nil)
	if err != nil {
		return nil, false, err
	}
	fuel := importedGlob + nglobals

	// Its export, so the host can read and set it.
	var export []byte
	export = appendU32(export, uint32(len(FuelGlobal)))
	export = append(export, FuelGlobal...)
	export = append(export, 0x03) // a global
	export = appendU32(export, fuel)
	secs, _, err = appendToSection(secs, secExport, export, func(r *reader) error {
		if r.name() == FuelGlobal {
			return errors.New("the module is metered already (it exports " + FuelGlobal + ")")
		}
		r.byte()
		r.u32()
		return nil
	})
	if err != nil {
		return nil, false, err
	}

	// What every counting point runs.
	var snippet []byte
	snippet = append(snippet, opGlobalGet)
	snippet = appendU32(snippet, fuel)
	snippet = append(snippet, opI64Const, 0x7f, opI64Add, opGlobalSet) // -1
	snippet = appendU32(snippet, fuel)
	snippet = append(snippet, opGlobalGet)
	snippet = appendU32(snippet, fuel)
	snippet = append(snippet, opI64Eqz, opIf, 0x40)
	if tickFunc >= 0 {
		snippet = append(snippet, opI32Const)
		snippet = appendSLEB(snippet, tickClockID)
		snippet = append(snippet, opI64Const, 0x00, opI32Const, 0x00, opCall)
		snippet = appendU32(snippet, uint32(tickFunc))
		snippet = append(snippet, opDrop)
		ticks = true
	} else {
		snippet = append(snippet, opUnreachable)
	}
	snippet = append(snippet, opEnd)

	for i, s := range secs {
		if s.id != secCode {
			continue
		}
		code, err := meterCode(s.payload, snippet)
		if err != nil {
			return nil, false, err
		}
		secs[i].payload = code
	}
	return encodeSections(secs), ticks, nil
}

// initialFuel is the counter's value when the module starts; the host sets
// its own before the guest runs.
const initialFuel = 1 << 20

func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendToSection adds entry at the end of the vector that section id
// holds (making the section if the module has none) and returns the index
// the entry got. check, when set, reads one existing entry and may refuse
// the module.
func appendToSection(secs []section, id byte, entry []byte, check func(*reader) error) ([]section, uint32, error) {
	at := slices.IndexFunc(secs, func(s section) bool { return s.id == id })
	var n uint32
	var rest []byte
	if at >= 0 {
		r := &reader{b: secs[at].payload}
		n = r.u32()
		rest = secs[at].payload[r.off:]
		for i := uint32(0); check != nil && i < n && r.err == nil; i++ {
			if err := check(r); err != nil {
				return nil, 0, err
			}
		}
		if r.err != nil {
			return nil, 0, fmt.Errorf("malformed section %d: %w", id, r.err)
		}
	}
	p := appendU32(nil, n+1)
	p = append(p, rest...)
	p = append(p, entry...)
	if at >= 0 {
		secs[at].payload = p
		return secs, n, nil
	}
	return insertSection(secs, section{id, p}), n, nil
}

// insertSection puts s before the first section that must follow it.
func insertSection(secs []section, s section) []section {
	for i, t := range secs {
		if t.id != secCustom && t.id > s.id {
			return append(secs[:i], append([]section{s}, secs[i:]...)...)
		}
	}
	return append(secs, s)
}

// clockTimeGetType is the encoding of clock_time_get's type:
// (i32, i64, i32) -> i32.
const clockTimeGetType = "\x03\x7f\x7e\x7f\x01\x7f"

// readTypes reads every function type's encoding (its parameter and result
// vectors).
func readTypes(p []byte) ([][]byte, error) {
	r := &reader{b: p}
	n := r.u32()
	types := make([][]byte, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if form := r.byte(); form != 0x60 {
			return nil, fmt.Errorf("type %d has form 0x%02x; the meter knows function types only", i, form)
		}
		start := r.off
		params := r.u32()
		r.bytes(int(params))
		results := r.u32()
		r.bytes(int(results))
		types = append(types, p[start:r.off])
	}
	if r.err != nil {
		return nil, fmt.Errorf("malformed type section: %w", r.err)
	}
	return types, nil
}

// readImports counts the imported functions and globals and finds the
// index of wasi_snapshot_preview1.clock_time_get, if it is imported with
// the type (i32, i64, i32) -> i32; -1 otherwise.
func readImports(p []byte, types [][]byte) (funcs, globals uint32, tick int, err error) {
	tick = -1
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		mod, field := r.name(), r.name()
		switch kind := r.byte(); kind {
		case 0x00: // function
			t := r.u32()
			if mod == "wasi_snapshot_preview1" && field == "clock_time_get" && int(t) < len(types) && string(types[t]) == clockTimeGetType {
				tick = int(funcs)
			}
			funcs++
		case 0x01: // table
			r.byte()
			r.limits()
		case 0x02: // memory
			r.limits()
		case 0x03: // global
			r.byte()
			r.byte()
			globals++
		case 0x04: // tag
			r.byte()
			r.u32()
		default:
			return 0, 0, -1, fmt.Errorf("malformed import section: import kind 0x%02x", kind)
		}
	}
	if r.err != nil {
		return 0, 0, -1, fmt.Errorf("malformed import section: %w", r.err)
	}
	return funcs, globals, tick, nil
}

func (r *reader) limits() {
	flags := r.byte()
	r.uleb(64)
	if flags&1 != 0 {
		r.uleb(64)
	}
}

// meterCode rewrites every function body of a code section.
func meterCode(p []byte, snippet []byte) ([]byte, error) {
	r := &reader{b: p}
	n := r.u32()
	out := make([]byte, 0, len(p)+len(p)/4)
	out = appendU32(out, n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		src := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("malformed code section at function body %d: %w", i, r.err)
		}
		var err error
		body, err = meterBody(body[:0], src, snippet)
		if err != nil {
			return nil, fmt.Errorf("function body %d: %w", i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	return out, nil
}

// meterBody copies one function body into out with the snippet after its
// local declarations and after the block type of every loop.
func meterBody(out, body, snippet []byte) ([]byte, error) {
	r := &reader{b: body}
	groups := r.u32()
	for g := uint32(0); g < groups && r.err == nil; g++ {
		r.u32()
		r.byte()
	}
	out = append(out, body[:r.off]...)
	out = append(out, snippet...)
	last := r.off
	for !r.done() {
		if r.skipInstr() == opLoop && r.err == nil {
			out = append(out, body[last:r.off]...)
			out = append(out, snippet...)
			last = r.off
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return append(out, body[last:]...), nil
}
