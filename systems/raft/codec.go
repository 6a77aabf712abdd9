package raft

import (
	"bytes"
	"encoding/gob"
)

// Codec turns commands into bytes and back, for the log on disk.
type Codec interface {
	Encode(command any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// GobCodec encodes commands with encoding/gob; concrete command types
// other than gob's predeclared ones must be registered with gob.Register.
type GobCodec struct{}

type commandBox struct{ C any }

// Encode implements Codec.
func (GobCodec) Encode(command any) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(commandBox{command})
	return buf.Bytes(), err
}

// Decode implements Codec.
func (GobCodec) Decode(data []byte) (any, error) {
	var box commandBox
	err := gob.NewDecoder(bytes.NewReader(data)).Decode(&box)
	return box.C, err
}
