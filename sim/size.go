package sim

import (
	"math/bits"
	"reflect"

	"github.com/simlab-go/simlab/sim/node"
)

// SizeOf returns a message's size in bytes: what its Size method says if it
// is a node.Sizer, otherwise an estimate close to its gob encoding (varint
// integers, length-prefixed strings and slices, a byte per struct field).
// The estimate walks the value without allocating.
func SizeOf(msg any) int {
	if s, ok := msg.(node.Sizer); ok {
		return s.Size()
	}
	return sizeOf(reflect.ValueOf(msg), 0)
}

// uvarintLen is the length of gob's unsigned integer encoding: one byte
// below 128, else a byte count followed by the value's bytes.
func uvarintLen(x uint64) int {
	if x < 128 {
		return 1
	}
	return 1 + (bits.Len64(x)+7)/8
}

func sizeOf(v reflect.Value, depth int) int {
	if !v.IsValid() || depth > 32 {
		return 1
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
			s += sizeOf(v.Index(i), depth+1)
		}
		return s
	case reflect.Map:
		s := uvarintLen(uint64(v.Len()))
		it := v.MapRange()
		for it.Next() {
			s += sizeOf(it.Key(), depth+1) + sizeOf(it.Value(), depth+1)
		}
		return s
	case reflect.Struct:
		s := 1
		for i := 0; i < v.NumField(); i++ {
			s += 1 + sizeOf(v.Field(i), depth+1)
		}
		return s
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 1
		}
		s := sizeOf(v.Elem(), depth+1)
		if v.Kind() == reflect.Interface {
			s += 1 + len(v.Elem().Type().Name())
		}
		return s
	}
	return 1
}
