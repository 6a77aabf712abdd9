package guest

import (
	"context"
	"strings"
	"testing"
)

// loopModule is a module by hand: _start counts a local from 0 to n in a
// loop, and the module imports clock_time_get as Go programs do (when
// withClock) or nothing.
func loopModule(n int64, withClock bool) []byte {
	sec := func(id byte, payload ...byte) []byte {
		return append(appendU32([]byte{id}, uint32(len(payload))), payload...)
	}
	name := func(s string) []byte { return append(appendU32(nil, uint32(len(s))), s...) }
	var b []byte
	b = append(b, wasmMagic...)
	b = append(b, sec(secType, 2, 0x60, 0, 0, 0x60, 3, 0x7f, 0x7e, 0x7f, 1, 0x7f)...)
	start := byte(0)
	if withClock {
		imp := []byte{1}
		imp = append(imp, name("wasi_snapshot_preview1")...)
		imp = append(imp, name("clock_time_get")...)
		imp = append(imp, 0x00, 1)
		b = append(b, sec(secImport, imp...)...)
		start = 1
	}
	b = append(b, sec(secFunction, 1, 0)...)
	b = append(b, sec(5, 1, 0, 1)...) // one memory of one page
	exp := []byte{2}
	exp = append(exp, name("_start")...)
	exp = append(exp, 0x00, start)
	exp = append(exp, name("memory")...)
	exp = append(exp, 0x02, 0)
	b = append(b, sec(secExport, exp...)...)
	body := []byte{1, 1, 0x7f, // one i32 local
		opLoop, 0x40,
		0x20, 0, opI32Const, 1, 0x6a, 0x22, 0, // local0 = local0 + 1
		opI32Const}
	body = appendSLEB(body, n)
	body = append(body, 0x49, 0x0d, 0, opEnd, opEnd) // i32.lt_u; br_if 0
	code := append([]byte{1}, appendU32(nil, uint32(len(body)))...)
	code = append(code, body...)
	b = append(b, sec(secCode, code...)...)
	return b
}

func TestMeterCountsEntriesAndLoopIterations(t *testing.T) {
	for _, tt := range []struct {
		n         int64
		withClock bool
		ticks     int64
	}{
		{1000, true, 0},
		{3 * tickQuantum, true, 3},
		{1000, false, 0},
	} {
		ctx := context.Background()
		p, err := Compile(ctx, loopModule(tt.n, tt.withClock), CompileOptions{CacheDir: "off"})
		if err != nil {
			t.Fatal(err)
		}
		if _, anywhere := p.Metered(); anywhere != tt.withClock {
			t.Errorf("n=%d: stoppable anywhere %v, want %v", tt.n, anywhere, tt.withClock)
		}
		r, err := p.Run(ctx, Config{})
		p.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Passed() {
			t.Fatalf("n=%d: %+v", tt.n, r)
		}
		// One unit at the function's entry, one per pass through the loop.
		if want := uint64(tt.n + 1); r.Work != want || r.Ticks != tt.ticks {
			t.Errorf("n=%d: work %d in %d ticks, want %d in %d", tt.n, r.Work, r.Ticks, want, tt.ticks)
		}
	}
}

func TestMeterWithoutTicksTrapsAtZero(t *testing.T) {
	ctx := context.Background()
	p, err := Compile(ctx, loopModule(2*tickQuantum, false), CompileOptions{CacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	r, err := p.Run(ctx, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stop != StopTrap || !strings.Contains(r.Message, "unreachable") {
		t.Fatalf("%+v: a module without clock_time_get should trap when its first quantum runs out", r)
	}
}

func TestMeterRefusesItsOwnOutput(t *testing.T) {
	once, _, err := meter(loopModule(10, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := meter(once); err == nil || !strings.Contains(err.Error(), "metered already") {
		t.Fatalf("metering twice: %v", err)
	}
}

func TestLEB(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 20, -(1 << 40), tickClockID, 1<<63 - 1, -1 << 63} {
		b := appendSLEB(nil, v)
		r := &reader{b: b}
		r.sleb(64)
		if r.err != nil || r.off != len(b) {
			t.Errorf("%d: encoded as %x, read back %d bytes, %v", v, b, r.off, r.err)
		}
		if got := decodeSLEB(b); got != v {
			t.Errorf("%d: encoded as %x, decodes to %d", v, b, got)
		}
	}
	for _, v := range []uint32{0, 1, 127, 128, 1 << 31} {
		r := &reader{b: appendU32(nil, v)}
		if got := r.u32(); got != v || r.err != nil {
			t.Errorf("%d read back as %d, %v", v, got, r.err)
		}
	}
	if r := (&reader{b: []byte{0x80, 0x80}}); r.u32() != 0 || r.err == nil {
		t.Error("a truncated integer read without error")
	}
}

func decodeSLEB(b []byte) int64 {
	var v int64
	shift := 0
	for _, c := range b {
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			break
		}
	}
	return v
}
