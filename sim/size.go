package sim

import (
	"encoding"
	"encoding/gob"
	"math/bits"
	"reflect"
	"sync"

	"github.com/simlab-go/simlab/sim/node"
)

// SizeOf returns a message's size in bytes: what would cross a wire.
//
// A message that is a node.Sizer (with a value or a pointer receiver) says
// its own size. Otherwise the size is an estimate close to the message's gob
// encoding, which is what strict mode sends: varint integers, length-prefixed
// strings and slices, a byte per struct field, and only the fields gob
// transmits: exported ones. Unexported fields are never walked, so a message
// carrying a cache or a pointer into a library's internals (a protobuf
// message's reflection state, say) costs what its data costs, not what the
// graph behind that pointer does. A value whose type encodes itself
// (gob.GobEncoder or encoding.BinaryMarshaler, as gob would use) counts its
// encoding. The cost of SizeOf is proportional to the data it counts, and it
// allocates nothing for plain values.
func SizeOf(msg any) int { return (*typeCache)(nil).size(msg) }

// typeCache keeps the typeInfo of the last few types a World sized, so
// that sizing a message costs a pointer comparison per type rather than a
// lookup in the process-wide map. A nil *typeCache uses the map alone.
type typeCache struct {
	entries [8]struct {
		t  reflect.Type
		ti *typeInfo
	}
	next int
}

func (c *typeCache) info(t reflect.Type) *typeInfo {
	if c == nil {
		return infoOf(t)
	}
	for i := range c.entries {
		if c.entries[i].t == t {
			return c.entries[i].ti
		}
	}
	ti := infoOf(t)
	c.entries[c.next].t, c.entries[c.next].ti = t, ti
	c.next = (c.next + 1) % len(c.entries)
	return ti
}

func (c *typeCache) size(msg any) int {
	if msg == nil {
		return 1
	}
	if s, ok := msg.(node.Sizer); ok {
		return s.Size()
	}
	return c.sizeOf(reflect.ValueOf(msg), 0)
}

// plainInfo is the typeInfo of predeclared and unnamed non-struct types.
var plainInfo typeInfo

// typeInfos holds a *typeInfo per reflect.Type.
var typeInfos sync.Map

var (
	sizerType = reflect.TypeFor[node.Sizer]()
	gobEncT   = reflect.TypeFor[gob.GobEncoder]()
	binMarshT = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// typeInfo is what sizing needs to know of a named or struct type, found
// once per type: whether its values measure or encode themselves, and which
// fields gob sends.
type typeInfo struct {
	self     bool
	exported []int
}

func infoOf(t reflect.Type) *typeInfo {
	if t.Kind() != reflect.Interface && t.NumMethod() == 0 && t.Kind() != reflect.Struct && t.Kind() != reflect.Pointer {
		// A type without methods of its own, whose pointer type (being
		// unnamed) has none either: plainInfo, without a lookup.
		if t.Name() == "" || t.PkgPath() == "" {
			return &plainInfo
		}
	}
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	p := reflect.PointerTo(t)
	ti := &typeInfo{self: t.Implements(sizerType) || p.Implements(sizerType) ||
		t.Implements(gobEncT) || p.Implements(gobEncT) ||
		t.Implements(binMarshT) || p.Implements(binMarshT)}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				ti.exported = append(ti.exported, i)
			}
		}
	}
	v, _ := typeInfos.LoadOrStore(t, ti)
	return v.(*typeInfo)
}

// ownSize is the size a self-sized value reports or encodes to.
func ownSize(v reflect.Value) (int, bool) {
	if !v.CanInterface() {
		return 0, false
	}
	x := v.Interface()
	if !measuresItself(x) {
		// The methods have pointer receivers: call them on the value's
		// address, or on an addressable copy.
		if v.CanAddr() {
			x = v.Addr().Interface()
		} else {
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			x = p.Interface()
		}
	}
	switch m := x.(type) {
	case node.Sizer:
		return m.Size(), true
	case gob.GobEncoder:
		b, err := m.GobEncode()
		return uvarintLen(uint64(len(b))) + len(b), err == nil
	case encoding.BinaryMarshaler:
		b, err := m.MarshalBinary()
		return uvarintLen(uint64(len(b))) + len(b), err == nil
	}
	return 0, false
}

func measuresItself(x any) bool {
	switch x.(type) {
	case node.Sizer, gob.GobEncoder, encoding.BinaryMarshaler:
		return true
	}
	return false
}

// uvarintLen is the length of gob's unsigned integer encoding: one byte
// below 128, else a byte count followed by the value's bytes.
func uvarintLen(x uint64) int {
	if x < 128 {
		return 1
	}
	return 1 + (bits.Len64(x)+7)/8
}

func (c *typeCache) sizeOf(v reflect.Value, depth int) int {
	if !v.IsValid() || depth > 32 {
		return 1
	}
	ti := c.info(v.Type())
	if ti.self && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		if n, ok := ownSize(v); ok {
			return n
		}
	}
	switch v.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Uint8:
		return 1
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		x := v.Int()
		u := uint64(x) << 1
		if x < 0 {
			u = ^u
		}
		return uvarintLen(u)
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uvarintLen(v.Uint())
	case reflect.Float32, reflect.Float64:
		return 8
	case reflect.Complex64, reflect.Complex128:
		return 16
	case reflect.String:
		n := v.Len()
		return uvarintLen(uint64(n)) + n
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return uvarintLen(uint64(n)) + n
		}
		s := uvarintLen(uint64(n))
		for i := 0; i < n; i++ {
			s += c.sizeOf(v.Index(i), depth+1)
		}
		return s
	case reflect.Map:
		s := uvarintLen(uint64(v.Len()))
		it := v.MapRange()
		for it.Next() {
			s += c.sizeOf(it.Key(), depth+1) + c.sizeOf(it.Value(), depth+1)
		}
		return s
	case reflect.Struct:
		s := 1
		for _, i := range ti.exported { // gob sends exported fields only
			s += 1 + c.sizeOf(v.Field(i), depth+1)
		}
		return s
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 1
		}
		s := c.sizeOf(v.Elem(), depth+1)
		if v.Kind() == reflect.Interface {
			s += 1 + len(v.Elem().Type().Name())
		}
		return s
	}
	return 1
}
