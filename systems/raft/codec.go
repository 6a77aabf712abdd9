package raft

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"github.com/simlab-go/simlab/systems/internal/gobwarm"
)

// Codec turns commands into bytes and back, for the log on disk.
type Codec interface {
	Encode(command any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// GobCodec encodes ints, strings and byte slices itself and every other command with
// encoding/gob (whose concrete types must then be registered with
// gob.Register). A fresh gob decoder compiles the type each time, so a
// service with structured commands does better with a Codec of its own.
type GobCodec struct{}

type commandBox struct{ C any }

func init() { gobwarm.Warm(commandBox{}) }

const (
	codecGob byte = iota
	codecInt
	codecString
	codecBytes
)

// Encode implements Codec.
func (GobCodec) Encode(command any) ([]byte, error) {
	switch c := command.(type) {
	case int:
		return binary.AppendVarint([]byte{codecInt}, int64(c)), nil
	case string:
		return append([]byte{codecString}, c...), nil
	case []byte:
		return append([]byte{codecBytes}, c...), nil
	}
	var buf bytes.Buffer
	buf.WriteByte(codecGob)
	err := gob.NewEncoder(&buf).Encode(commandBox{command})
	return buf.Bytes(), err
}

// Decode implements Codec.
func (GobCodec) Decode(data []byte) (any, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("raft: empty command encoding")
	}
	switch data[0] {
	case codecInt:
		v, n := binary.Varint(data[1:])
		if n <= 0 || n != len(data)-1 {
			return nil, fmt.Errorf("raft: bad int command encoding")
		}
		return int(v), nil
	case codecString:
		return string(data[1:]), nil
	case codecBytes:
		return append([]byte(nil), data[1:]...), nil
	case codecGob:
		var box commandBox
		err := gob.NewDecoder(bytes.NewReader(data[1:])).Decode(&box)
		return box.C, err
	}
	return nil, fmt.Errorf("raft: unknown command encoding %d", data[0])
}
