package kv

import (
	"encoding/binary"
	"fmt"

	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/rsm"
)

// codec stores the log's rsm.Commands carrying an Op in a compact binary
// form (a gob decoder per entry costs more than the rest of a restart),
// and anything else with raft.GobCodec.
type codec struct{}

const opTag = 0xCB

//simlab:readonly the operation kinds, a constant table
var kinds = []Kind{Get, Put, Append}

// Encode implements raft.Codec.
func (codec) Encode(command any) ([]byte, error) {
	c, ok := command.(rsm.Command)
	op, isOp := c.Op.(Op)
	if !ok || !isOp {
		return raft.GobCodec{}.Encode(command)
	}
	k := -1
	for i, kind := range kinds {
		if op.Kind == kind {
			k = i
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("kv: unknown operation %q", op.Kind)
	}
	b := []byte{opTag, byte(k)}
	b = binary.AppendUvarint(b, c.ClientID)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(op.Key)))
	b = append(b, op.Key...)
	return append(b, op.Value...), nil
}

// Decode implements raft.Codec.
func (codec) Decode(data []byte) (any, error) {
	if len(data) < 2 || data[0] != opTag {
		return raft.GobCodec{}.Decode(data)
	}
	if int(data[1]) >= len(kinds) {
		return nil, fmt.Errorf("kv: bad operation kind %d", data[1])
	}
	rest := data[2:]
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return nil, fmt.Errorf("kv: truncated command")
		}
		vals[i], rest = v, rest[n:]
	}
	if vals[2] > uint64(len(rest)) {
		return nil, fmt.Errorf("kv: truncated key")
	}
	op := Op{Kind: kinds[data[1]], Key: string(rest[:vals[2]]), Value: string(rest[vals[2]:])}
	return rsm.Command{ClientID: vals[0], Seq: vals[1], Op: op}, nil
}
