package raft

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Config configures one Raft server.
type Config struct {
	// Peers lists every server of the cluster, this one included. All
	// servers must be given the same list.
	Peers []node.ID
	// ElectionTimeoutMin and ElectionTimeoutMax bound the randomized
	// election timeout. Zero means 300 ms and 600 ms.
	ElectionTimeoutMin time.Duration
	ElectionTimeoutMax time.Duration
	// HeartbeatInterval is how often a leader sends AppendEntries to each
	// follower when it has nothing else to send. Zero means 100 ms: ten
	// heartbeats a second at most.
	HeartbeatInterval time.Duration
	// MaxEntriesPerMessage and MaxBytesPerMessage cap one AppendEntries.
	// Zero means 64 entries and 64 KiB; a single larger entry still goes
	// alone.
	MaxEntriesPerMessage int
	MaxBytesPerMessage   int
	// PreVote runs a pre-election that does not change terms before a real
	// one, so a node that cannot win cannot raise the cluster's term.
	PreVote bool
	// CheckQuorum makes a leader step down when a majority has not answered
	// it within an election timeout, and makes followers that hear from a
	// leader ignore vote requests (the leader lease).
	CheckQuorum bool
	// Codec turns commands into bytes for the disk. Nil means gob (every
	// concrete command type must then be registered with gob.Register).
	Codec Codec
	// FilePrefix names Raft's files on the node's disk; zero means "raft".
	FilePrefix string
}

func (c Config) withDefaults() Config {
	if c.ElectionTimeoutMin == 0 {
		c.ElectionTimeoutMin = 300 * time.Millisecond
	}
	if c.ElectionTimeoutMax == 0 {
		c.ElectionTimeoutMax = 2 * c.ElectionTimeoutMin
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 100 * time.Millisecond
	}
	if c.MaxEntriesPerMessage == 0 {
		c.MaxEntriesPerMessage = 64
	}
	if c.MaxBytesPerMessage == 0 {
		c.MaxBytesPerMessage = 64 << 10
	}
	if c.Codec == nil {
		c.Codec = GobCodec{}
	}
	if c.FilePrefix == "" {
		c.FilePrefix = "raft"
	}
	return c
}

// Validate reports a configuration Raft cannot run with.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case len(c.Peers) == 0:
		return fmt.Errorf("raft: Config.Peers is empty")
	case c.ElectionTimeoutMax < c.ElectionTimeoutMin:
		return fmt.Errorf("raft: ElectionTimeoutMax %v is below ElectionTimeoutMin %v", c.ElectionTimeoutMax, c.ElectionTimeoutMin)
	case c.HeartbeatInterval >= c.ElectionTimeoutMin:
		return fmt.Errorf("raft: HeartbeatInterval %v must be well below ElectionTimeoutMin %v", c.HeartbeatInterval, c.ElectionTimeoutMin)
	case c.MaxEntriesPerMessage < 1 || c.MaxBytesPerMessage < 1:
		return fmt.Errorf("raft: message caps must be positive")
	}
	seen := map[node.ID]bool{}
	for _, p := range c.Peers {
		if seen[p] {
			return fmt.Errorf("raft: peer %v listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

// Service is what the hosting server implements: Raft calls it with every
// committed command and every snapshot it must install, in log order and
// exactly once per incarnation, from inside the host's handler call.
type Service interface {
	// ApplyCommand applies the command committed at index.
	ApplyCommand(env node.Env, index, term int, command any)
	// ApplySnapshot replaces the service's state with a snapshot of the
	// state after applying every entry up to index. Raft calls it at
	// restart with the persisted snapshot and when a leader sends one.
	ApplySnapshot(env node.Env, index, term int, snapshot []byte)
}
