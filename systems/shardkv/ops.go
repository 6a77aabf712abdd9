package shardkv

import (
	"encoding/gob"
	"github.com/simlab-go/simlab/systems/internal/gobwarm"

	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// Kind names a client operation.
type Kind string

// The client operations.
const (
	Get    Kind = "get"
	Put    Kind = "put"
	Append Kind = "append"
)

// Op is a client operation, as it travels in an rsm.Request and the log.
type Op struct {
	Kind  Kind
	Key   string
	Value string
}

// Result answers a client operation. Err is "" or ErrWrongGroup; Value is
// the value a Get read. GID, ConfigNum and Shard say which
// group answered, in which configuration, for which shard.
type Result struct {
	Err       string
	Value     string
	GID       int
	ConfigNum int
	Shard     int
}

// ErrWrongGroup: the group does not serve the key's shard now (not in its
// configuration, or its data has not arrived): ask the controller and
// retry where it says.
const ErrWrongGroup = "ErrWrongGroup"

// The group's own log entries, proposed by its leader.
type (
	// adoptConfig moves the group to Config, the configuration after its
	// own.
	adoptConfig struct{ Config shardctrler.Config }
	// installShard installs a shard pulled from its previous owner, for
	// configuration ConfigNum.
	installShard struct {
		ConfigNum, Shard int
		Data             ShardData
	}
	// deleteShard drops a leaving shard its new owner has installed.
	deleteShard struct{ ConfigNum, Shard int }
	// collected records that the previous owner deleted its copy.
	collected struct{ ConfigNum, Shard int }
	// noop commits a new leader's term (see Server.tick).
	noop struct{}
)

func init() {
	gob.Register(rsm.Command{})
	gob.Register(Op{})
	gob.Register(Result{})
	gob.Register(adoptConfig{})
	gob.Register(installShard{})
	gob.Register(deleteShard{})
	gob.Register(collected{})
	gob.Register(noop{})
	gobwarm.Warm(Op{}, Result{}, adoptConfig{}, installShard{}, deleteShard{}, collected{}, noop{}, storeSnapshot{})
}
