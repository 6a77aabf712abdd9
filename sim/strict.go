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
	if d := gobDiff(reflect.ValueOf(msg), p.Elem(), "", 0); d != "" {
		return nil, fmt.Errorf("strict mode: message %T changed in a gob round trip: %s", msg, d)
	}
	return p.Elem().Interface(), nil
}

var (
	gobEncoderType    = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalType = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// gobDiff compares an original value with its gob copy, treating what gob
// cannot tell apart as equal (nil and empty slices and maps, a nil pointer
// and a pointer to a zero value). It returns "" when they match, else where
// and how they first differ: path is the location so far, such as
// ".Entries[0].Term".
func gobDiff(a, b reflect.Value, path string, depth int) string {
	if depth > 100 {
		return "" // a cycle; gob would have refused it already
	}
	at := func(format string, args ...any) string {
		where := path
		if where == "" {
			where = "the message itself"
		}
		return where + ": " + fmt.Sprintf(format, args...)
	}
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() == b.IsValid() || (a.IsValid() && a.IsZero()) || (b.IsValid() && b.IsZero()) {
			return ""
		}
		return at("present on one side only")
	}
	if a.Type() != b.Type() {
		return at("sent a %v, would receive a %v", a.Type(), b.Type())
	}
	t := a.Type()
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && a.CanInterface() &&
		(t.Implements(gobEncoderType) || t.Implements(binaryMarshalType)) {
		if !encodedEqual(a, b) {
			return at("its own encoding (%v) differs after the round trip", t)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if derefOrZero(a).IsZero() && derefOrZero(b).IsZero() {
				return ""
			}
			return at("a nil pointer on one side only")
		}
		return gobDiff(a.Elem(), b.Elem(), path, depth+1)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() == b.IsNil() {
				return ""
			}
			return at("a nil interface on one side only")
		}
		return gobDiff(a.Elem(), b.Elem(), path, depth+1)
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return at("length %d sent, %d would be received", a.Len(), b.Len())
		}
		if a.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				return at("the bytes differ")
			}
			return ""
		}
		for i := 0; i < a.Len(); i++ {
			if d := gobDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return at("%d map entries sent, %d would be received", a.Len(), b.Len())
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			where := fmt.Sprintf("%s[%v]", path, it.Key())
			if !bv.IsValid() {
				return where + ": the key is missing after the round trip"
			}
			if d := gobDiff(it.Value(), bv, where, depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := t.Field(i)
			where := path + "." + f.Name
			k := f.Type.Kind()
			if !f.IsExported() || k == reflect.Func || k == reflect.Chan {
				// gob skips it: the copy has a zero value, so the
				// original must have one too or data was lost.
				if !a.Field(i).IsZero() {
					why := "is unexported"
					if f.IsExported() {
						why = "is a " + k.String()
					}
					return fmt.Sprintf("%s (of type %v) %s and holds a value in the sent message, which gob does not send: export it, leave it zero in messages, or send an encoding of the value instead", where, f.Type, why)
				}
				continue
			}
			if d := gobDiff(a.Field(i), b.Field(i), where, depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return at("sent %v, would receive %v", a.Float(), b.Float())
		}
	case reflect.Complex64, reflect.Complex128:
		if a.Complex() != b.Complex() {
			return at("sent %v, would receive %v", a.Complex(), b.Complex())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return at("sent %v, would receive %v", a.Bool(), b.Bool())
		}
	case reflect.String:
		if a.String() != b.String() {
			return at("sent %q, would receive %q", a.String(), b.String())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return at("sent %d, would receive %d", a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			return at("sent %d, would receive %d", a.Uint(), b.Uint())
		}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if !a.IsNil() || !b.IsNil() {
			return at("a %v cannot travel", a.Kind())
		}
	}
	return ""
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
