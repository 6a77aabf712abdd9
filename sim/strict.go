package sim

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"fmt"
	"math"
	"reflect"
)

// gobPipe is an encoder and a decoder joined by a buffer. Kept for the
// life of a World, it sends each type's description once, so a round trip
// costs about as much as encoding the value itself.
type gobPipe struct {
	buf bytes.Buffer
	enc *gob.Encoder
	dec *gob.Decoder
}

func newGobPipe() *gobPipe {
	p := &gobPipe{}
	p.enc = gob.NewEncoder(&p.buf)
	p.dec = gob.NewDecoder(&p.buf)
	return p
}

// roundTrip returns a gob copy of msg, or an error saying why msg does not
// survive the trip: it cannot be encoded (unregistered interface values,
// channel or function at the top), or the copy differs from the original
// (typically an unexported field that gob silently dropped).
func (w *World) roundTrip(msg any) (any, error) {
	if msg == nil {
		return nil, fmt.Errorf("strict mode: a nil message was sent")
	}
	if w.gob == nil {
		w.gob = newGobPipe()
	}
	pipe := w.gob
	if err := pipe.enc.Encode(msg); err != nil {
		w.gob = nil // the stream may hold half a value: start a new one
		return nil, fmt.Errorf("strict mode: message %T does not encode with gob: %v (export its fields; gob.Register concrete types carried in interfaces)", msg, err)
	}
	t := reflect.TypeOf(msg)
	p := reflect.New(t)
	if err := pipe.dec.DecodeValue(p); err != nil {
		w.gob = nil
		return nil, fmt.Errorf("strict mode: message %T does not decode with gob: %v", msg, err)
	}
	if !gobEqual(reflect.ValueOf(msg), p.Elem(), 0) {
		return nil, fmt.Errorf("strict mode: message %T changed in a gob round trip (an unexported, func or chan field is lost in transit): sent %+v, would receive %+v", msg, msg, p.Elem().Interface())
	}
	return p.Elem().Interface(), nil
}

var (
	gobEncoderType    = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalType = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// gobEqual compares an original value with its gob copy, treating what gob
// cannot tell apart as equal: nil and empty slices and maps, a nil pointer
// and a pointer to a zero value.
func gobEqual(a, b reflect.Value, depth int) bool {
	if depth > 100 {
		return true // a cycle; gob would have refused it already
	}
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid() || (a.IsValid() && a.IsZero()) || (b.IsValid() && b.IsZero())
	}
	if a.Type() != b.Type() {
		return false
	}
	t := a.Type()
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && a.CanInterface() &&
		(t.Implements(gobEncoderType) || t.Implements(binaryMarshalType)) {
		return encodedEqual(a, b)
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return derefOrZero(a).IsZero() && derefOrZero(b).IsZero()
		}
		return gobEqual(a.Elem(), b.Elem(), depth+1)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return gobEqual(a.Elem(), b.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		if a.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(a.Bytes(), b.Bytes())
		}
		for i := 0; i < a.Len(); i++ {
			if !gobEqual(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !gobEqual(it.Value(), bv, depth+1) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := t.Field(i)
			k := f.Type.Kind()
			if !f.IsExported() || k == reflect.Func || k == reflect.Chan {
				// gob skips it: the copy has a zero value, so the
				// original must have one too or data was lost.
				if !a.Field(i).IsZero() {
					return false
				}
				continue
			}
			if !gobEqual(a.Field(i), b.Field(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.String:
		return a.String() == b.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.IsNil() && b.IsNil()
	}
	return false
}

func derefOrZero(v reflect.Value) reflect.Value {
	if v.IsNil() {
		return reflect.Zero(v.Type().Elem())
	}
	return v.Elem()
}

func encodedEqual(a, b reflect.Value) bool {
	ea, errA := gobBytes(a)
	eb, errB := gobBytes(b)
	return errA == nil && errB == nil && bytes.Equal(ea, eb)
}

func gobBytes(v reflect.Value) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).EncodeValue(v)
	return buf.Bytes(), err
}
