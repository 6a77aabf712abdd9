package shardctrler

import (
	"encoding/gob"

	"github.com/simlab-go/simlab/systems/rsm"
)

// The operations, as they travel in an rsm.Request and in the log.
type (
	// JoinOp adds groups.
	JoinOp struct{ Groups []Group }
	// LeaveOp removes groups.
	LeaveOp struct{ GIDs []int }
	// MoveOp hands one shard to one group.
	MoveOp struct{ Shard, GID int }
	// QueryOp asks for configuration Num (-1: the latest).
	QueryOp struct{ Num int }
)

// Result is every operation's result: the configuration asked for
// (Query) or the latest one after the operation. Err is "" or ErrNoGroup.
type Result struct {
	Config Config
	Err    string
}

// ErrNoGroup answers a Move to a group, or of a shard, that does not
// exist: no configuration was made.
const ErrNoGroup = "ErrNoGroup"

func init() {
	gob.Register(rsm.Command{})
	gob.Register(JoinOp{})
	gob.Register(LeaveOp{})
	gob.Register(MoveOp{})
	gob.Register(QueryOp{})
	gob.Register(Result{})
}
