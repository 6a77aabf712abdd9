package sim

import (
	"fmt"
	"time"
)

// LinkConfig is the behaviour of one directed network link.
type LinkConfig struct {
	// LatencyMin is the least one-way delay.
	LatencyMin time.Duration
	// LatencySpread is the width of the uniform delay added to LatencyMin.
	LatencySpread time.Duration
	// TailProb is the probability that a message also takes an
	// exponentially distributed extra delay of mean TailMean, capped at
	// TailMax: the long tail that reorders messages by a lot.
	TailProb float64
	TailMean time.Duration
	TailMax  time.Duration
	// Loss is the probability that a message is dropped.
	Loss float64
	// Dup is the probability that a message is delivered twice (the copy
	// takes its own latency).
	Dup float64
}

// DefaultLink is a quiet LAN: 1–3 ms, no loss, no duplication, no tail.
var DefaultLink = LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 2 * time.Millisecond}

// Validate reports a configuration that cannot be simulated.
func (l LinkConfig) Validate() error {
	switch {
	case l.LatencyMin < 0 || l.LatencySpread < 0 || l.TailMean < 0 || l.TailMax < 0:
		return fmt.Errorf("sim: link latencies must not be negative: %+v", l)
	case l.Loss < 0 || l.Loss > 1, l.Dup < 0 || l.Dup > 1, l.TailProb < 0 || l.TailProb > 1:
		return fmt.Errorf("sim: link probabilities must be within [0, 1]: %+v", l)
	}
	return nil
}

// DiskConfig is the crash behaviour of every node's disk.
type DiskConfig struct {
	// Torn makes the last unsynced write kept by a crash possibly partial:
	// an Append keeps a random prefix of its bytes.
	Torn bool
	// KeepUnsynced keeps every unsynced write across a crash (a disk with
	// a battery-backed cache). Off, a crash keeps a random prefix of them.
	KeepUnsynced bool
}

// CPUConfig is the optional CPU model.
type CPUConfig struct {
	// Enabled turns the model on: a handler call costs PerEvent plus what
	// the handler charged with Env.Compute, its effects happen when that
	// time has passed, and the node handles nothing else meanwhile.
	Enabled  bool
	PerEvent time.Duration
}

// Config configures a World. The zero value is usable: DefaultLink, no
// faults, a volatile-until-synced disk, no CPU model, no trace.
type Config struct {
	// Link is the default behaviour of every link; zero means DefaultLink.
	Link *LinkConfig
	Disk DiskConfig
	CPU  CPUConfig
	// Strict round-trips every message through encoding/gob and fails the
	// run if a message does not survive unchanged.
	Strict bool
	// Trace, when set, receives a record of every event and effect. Nil
	// means off; tracing then costs nothing.
	Trace func(Record)
	// MaxTime and MaxEvents are the run's budgets; running past either is
	// a failure. Zero means 24 hours of virtual time and 100 million events.
	MaxTime   time.Duration
	MaxEvents int64
	// MaxEventRate is the most events per second of virtual time a run may
	// sustain over a window of livelockWindow events: a livelock (a leader
	// re-sending to a follower that keeps rejecting, say) races through
	// events while virtual time crawls. Past it, the run is sampled for a
	// moment and fails as a livelock naming who sent what to whom, how
	// often. Zero means 100,000 events per virtual second, about a dozen
	// times the busiest scenario of the catalogue, or 10,000 per node in a
	// world of more than ten nodes (a big world is busy without being
	// stuck); negative turns it off.
	MaxEventRate float64
	// Strategy orders what the network and the timers leave open; the
	// zero value is Random, a uniform draw.
	Strategy Strategy
	// Coverage counts the node.Marks handlers reach, with the faults
	// active at each (World.Coverage). It does not change the run; off,
	// a mark costs a call that returns at once.
	Coverage bool
}

const (
	defaultMaxTime      = 24 * time.Hour
	defaultMaxEvents    = 100_000_000
	defaultMaxEventRate = 100_000
	perNodeEventRate    = 10_000 // the default's share per node, past ten nodes
	// livelockWindow is how many events the rate is measured over, and
	// livelockSample how many are then counted by kind for the report.
	livelockWindow = 100_000
	livelockSample = 20_000
)
