package shardctrler

import (
	"encoding/gob"
	"github.com/simlab-go/simlab/systems/internal/gobwarm"

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
	// QueryOp asks for configuration Num (-1: the latest). With Exact,
	// a Num past the latest is answered ErrNoConfig and an empty
	// configuration rather than the latest one: a replica group polling
	// for its next configuration is answered in a few bytes.
	QueryOp struct {
		Num   int
		Exact bool
	}
)

// Result is every operation's result: the configuration asked for
// (Query) or the latest one after the operation. Err is "" or ErrNoGroup.
type Result struct {
	Config Config
	Err    string
}

// Errors in Result.Err.
const (
	// ErrNoGroup answers a Move to a group, or of a shard, that does not
	// exist: no configuration was made.
	ErrNoGroup = "ErrNoGroup"
	// ErrNoConfig answers an exact Query of a configuration not made yet.
	ErrNoConfig = "ErrNoConfig"
)

func init() {
	gob.Register(rsm.Command{})
	gob.Register(JoinOp{})
	gob.Register(LeaveOp{})
	gob.Register(MoveOp{})
	gob.Register(QueryOp{})
	gob.Register(Result{})
	gobwarm.Warm(JoinOp{}, LeaveOp{}, MoveOp{}, QueryOp{}, Result{}, []Config{})
}
