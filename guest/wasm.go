package guest

import (
	"bytes"
	"errors"
	"fmt"
)

// A WebAssembly binary, read just far enough to rewrite it: its sections,
// LEB128 integers and the immediates of every instruction, so that a walk
// over a function body never mistakes an immediate for an opcode.

var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// Section ids of the binary format.
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
)

// section is one section of a module: its id and its payload.
type section struct {
	id      byte
	payload []byte
}

// parseSections splits a module into its sections.
func parseSections(bin []byte) ([]section, error) {
	if len(bin) < 8 || !bytes.Equal(bin[:8], wasmMagic) {
		return nil, errors.New("not a WebAssembly module (version 1): the file does not start with \\0asm 1")
	}
	r := &reader{b: bin, off: 8}
	var out []section
	for !r.done() {
		id := r.byte()
		size := r.u32()
		payload := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("malformed module: section %d at offset %d: %w", id, r.off, r.err)
		}
		out = append(out, section{id, payload})
	}
	return out, nil
}

// encodeSections writes a module back.
func encodeSections(secs []section) []byte {
	var b []byte
	b = append(b, wasmMagic...)
	for _, s := range secs {
		b = append(b, s.id)
		b = appendU32(b, uint32(len(s.payload)))
		b = append(b, s.payload...)
	}
	return b
}

// reader decodes the binary format; the first error sticks and every later
// read returns zero.
type reader struct {
	b   []byte
	off int
	err error
}

var errTruncated = errors.New("unexpected end of data")

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail(errTruncated)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.off+n > len(r.b) {
		r.fail(errTruncated)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

// uleb reads an unsigned LEB128 integer of at most bits bits.
func (r *reader) uleb(bits int) uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		if shift >= bits+7 {
			r.fail(errors.New("integer too long"))
			return 0
		}
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.uleb(32)) }

// sleb skips a signed LEB128 integer of at most bits bits.
func (r *reader) sleb(bits int) {
	for n := 0; ; n += 7 {
		if n >= bits+7 {
			r.fail(errors.New("integer too long"))
			return
		}
		c := r.byte()
		if r.err != nil || c&0x80 == 0 {
			return
		}
	}
}

func (r *reader) name() string { return string(r.bytes(int(r.u32()))) }

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// Opcodes the rewrite names.
const (
	opUnreachable = 0x00
	opBlock       = 0x02
	opLoop        = 0x03
	opIf          = 0x04
	opEnd         = 0x0b
	opBrTable     = 0x0e
	opCall        = 0x10
	opDrop        = 0x1a
	opGlobalGet   = 0x23
	opGlobalSet   = 0x24
	opI32Const    = 0x41
	opI64Const    = 0x42
	opI64Eqz      = 0x50
	opI64Add      = 0x7c
)

// skipInstr reads one instruction and its immediates, returning its opcode.
// Instructions of proposals the rewrite does not know (SIMD, threads,
// exceptions) are an error that names them.
func (r *reader) skipInstr() byte {
	op := r.byte()
	switch {
	case op == opBlock || op == opLoop || op == opIf:
		r.blockType()
	case op == 0x0c || op == 0x0d: // br, br_if
		r.u32()
	case op == opBrTable:
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == opCall || op == 0x12: // call, return_call
		r.u32()
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		n := r.u32()
		r.bytes(int(n))
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores: memarg
		align := r.u32()
		if align&0x40 != 0 { // multi-memory: a memory index follows
			r.u32()
		}
		r.uleb(64)
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41: // i32.const
		r.sleb(32)
	case op == opI64Const:
		r.sleb(64)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null t
		r.byte()
	case op == 0xd2: // ref.func
		r.u32()
	case op == 0xfc:
		r.skipFC()
	case op == 0x00 || op == 0x01 || op == 0x05 || op == opEnd || op == 0x0f || op == opDrop || op == 0x1b ||
		op >= 0x45 && op <= 0xc4 || op == 0xd1:
		// no immediates
	default:
		if r.err == nil {
			r.fail(fmt.Errorf("instruction 0x%02x is of a proposal the meter does not know (SIMD, threads or exceptions)", op))
		}
	}
	return op
}

func (r *reader) skipFC() {
	switch sub := r.u32(); {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init
		r.u32()
		r.u32()
	case sub == 9, sub == 13, sub == 15, sub == 16, sub == 17: // data.drop, elem.drop, table.grow/size/fill
		r.u32()
	case sub == 10, sub == 12, sub == 14: // memory.copy, table.init, table.copy
		r.u32()
		r.u32()
	case sub == 11: // memory.fill
		r.u32()
	default:
		r.fail(fmt.Errorf("instruction 0xfc %d is not known to the meter", sub))
	}
}

// blockType skips a block type: empty, a value type or a type index (s33).
func (r *reader) blockType() {
	c := r.byte()
	if c == 0x40 || c >= 0x6f && c <= 0x7f {
		return
	}
	r.off--
	r.sleb(33)
}
