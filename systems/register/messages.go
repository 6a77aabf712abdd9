package register

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// Tag orders the values of the register: by Seq, then by Writer.
type Tag struct {
	Seq    uint64
	Writer node.ID
}

// Less reports whether t orders before u.
func (t Tag) Less(u Tag) bool {
	if t.Seq != u.Seq {
		return t.Seq < u.Seq
	}
	return t.Writer < u.Writer
}

func (t Tag) String() string { return fmt.Sprintf("%d.%d", t.Seq, int(t.Writer)) }

// QueryReq asks a replica for its (tag, value): phase one of every operation.
type QueryReq struct {
	Op uint64 // the client's operation number, echoed in the reply
}

// QueryResp answers a QueryReq.
type QueryResp struct {
	Op    uint64
	Tag   Tag
	Value string
}

// StoreReq asks a replica to adopt (Tag, Value) if Tag is newer than its own:
// phase two of every operation.
type StoreReq struct {
	Op    uint64
	Tag   Tag
	Value string
}

// StoreAck answers a StoreReq once the replica's state is durable.
type StoreAck struct {
	Op uint64
}
