package kv

import (
	"encoding/gob"
	"github.com/simlab-go/simlab/systems/internal/gobwarm"

	"github.com/simlab-go/simlab/systems/rsm"
)

// Kind names an operation.
type Kind string

// The operations.
const (
	Get    Kind = "get"
	Put    Kind = "put"
	Append Kind = "append"
)

// Op is one operation, as it is stored in the log.
type Op struct {
	Kind  Kind
	Key   string
	Value string
}

// Request is a clerk's request to a server.
type Request struct {
	ClientID uint64
	Seq      uint64
	Op       Op
}

// Reply answers a Request. Err is "" on success; Value is the value read
// (for Get) or the value after the operation.
type Reply struct {
	ClientID uint64
	Seq      uint64
	Err      string
	Value    string
}

// Errors in Reply.Err.
const (
	ErrWrongLeader = "ErrWrongLeader" // try another server
)

func init() {
	gob.Register(rsm.Command{})
	gob.Register(Op{})
	gobwarm.Warm(Op{}, storeSnapshot{})
}
