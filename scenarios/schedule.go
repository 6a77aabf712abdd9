package scenarios

import (
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// The fault types a scenario takes. They live in package faults, where
// every operation's meaning is; these names keep a scenario's code in one
// import.
type (
	// Action is one timed fault (faults.Action).
	Action = faults.Action
	// Schedule is a fault schedule (faults.Schedule).
	Schedule = faults.Schedule
	// Profile is a swarm fault profile (faults.Profile).
	Profile = faults.Profile
)

// MaxActionTime is the latest time an action may have (faults.MaxActionTime).
const MaxActionTime = faults.MaxActionTime

// ParseSchedule parses a schedule's text form (faults.Parse).
func ParseSchedule(text string) (Schedule, error) { return faults.Parse(text) }

// ParseSchedules parses the schedules of a run of several worlds,
// separated by "/" (faults.ParseWorlds).
func ParseSchedules(text string) ([]Schedule, error) { return faults.ParseWorlds(text) }

// LinkSchedule is the schedule that sets the default link to l at time at
// (faults.LinkSchedule).
func LinkSchedule(at time.Duration, l sim.LinkConfig) Schedule { return faults.LinkSchedule(at, l) }

// DrawProfile draws a swarm profile from r (faults.DrawProfile).
func DrawProfile(r *node.Rand) Profile { return faults.DrawProfile(r) }
