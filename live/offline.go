package live

import (
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// OfflineEnv is a node.Env for looking at a node's durable state without
// running the node: its disk is an in-memory copy of the node's files, and
// nothing it does leaves the process. Sends are dropped, timers never
// fire, the clock stays at zero, and writes change the copy only, never
// the data directory it came from. Booting the node's own handler in it
// reads the files exactly as a restart would, so an inspection sees what
// a restart would see, and a state that would not boot says why (see the
// state command of cmd/simlab-node).
//
// Its random stream has a fixed seed, so two inspections of the same files
// boot the same way.
type OfflineEnv struct {
	id    node.ID
	disk  node.MemDisk
	rand  *node.Rand
	timer node.TimerID // the last timer ID handed out
}

// NewOfflineEnv returns an OfflineEnv for node id whose disk holds a copy
// of files (as ReadOnly returns them), all of it durable.
func NewOfflineEnv(id node.ID, files map[string][]byte) *OfflineEnv {
	d := make(node.MemDisk, len(files))
	for _, name := range node.SortedKeys(files) {
		d[name] = slices.Clone(files[name])
	}
	return &OfflineEnv{id: id, disk: d, rand: node.NewRand(1)}
}

// Boot hands h the Start event of a restart over the copied disk. It
// returns the diagnosis if h refuses to start over damaged state
// (node.Refuse), or nil; any other panic goes on up to the caller.
func (e *OfflineEnv) Boot(h node.Handler) (refusal *node.Damage) {
	return node.Refusal(func() {
		h.Handle(e, &node.Start{Restarted: true})
	})
}

// Self implements node.Env.
func (e *OfflineEnv) Self() node.ID { return e.id }

// Now implements node.Env: the clock of an offline node never moves.
func (e *OfflineEnv) Now() time.Duration { return 0 }

// Rand implements node.Env.
func (e *OfflineEnv) Rand() *node.Rand { return e.rand }

// Send implements node.Env by dropping the message.
func (e *OfflineEnv) Send(node.ID, any) {}

// SetTimer implements node.Env: the timer never fires.
func (e *OfflineEnv) SetTimer(time.Duration, any) node.TimerID {
	e.timer++
	return e.timer
}

// StopTimer implements node.Env.
func (e *OfflineEnv) StopTimer(node.TimerID) {}

// Disk implements node.Env with the in-memory copy.
func (e *OfflineEnv) Disk() node.Disk { return e.disk }

// Compute implements node.Env by ignoring the cost.
func (e *OfflineEnv) Compute(time.Duration) {}

// Logf implements node.Env by dropping the line.
func (e *OfflineEnv) Logf(string, ...any) {}

// Mark implements node.Env by ignoring the mark.
func (e *OfflineEnv) Mark(node.Mark) {}

var _ node.Env = (*OfflineEnv)(nil)
