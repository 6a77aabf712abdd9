// Package rsm is a replicated state machine over a consensus log: a server
// submits operations from its handler, they are applied in log order on
// every replica, and the submitter gets the result once its operation is
// applied, or an error telling the client to try another server.
//
// Duplicate detection is part of the replicated state: every operation
// carries its client's id and a sequence number, and an operation whose
// sequence number was already applied for that client is not applied again
// (its recorded result is returned instead), so a client may retry an
// operation anywhere, any number of times, and it takes effect once. The
// dedup table travels in snapshots with the service's own state.
//
// rsm is written against the small Consensus interface, which
// systems/raft and systems/paxoslog implement.
package rsm

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"github.com/simlab-go/simlab/systems/internal/gobwarm"

	"github.com/simlab-go/simlab/sim/node"
)

// Consensus is the log a replicated state machine runs on.
type Consensus interface {
	Handle(env node.Env, ev node.Event) bool
	Start(env node.Env, command any) (index, term int, isLeader bool)
	State() (term int, isLeader bool)
	Snapshot(env node.Env, index int, snapshot []byte)
	PersistedSize() int
}

// Applier is what a Consensus hands committed entries to; *RSM is one.
type Applier interface {
	ApplyCommand(env node.Env, index, term int, command any)
	ApplySnapshot(env node.Env, index, term int, snapshot []byte)
	// ApplyNoop is an empty entry at index (a Paxos log fills holes with
	// them): nothing is applied.
	ApplyNoop(env node.Env, index int)
}

// StateMachine is the service's deterministic state.
type StateMachine interface {
	// Apply applies op and returns its result. It must be deterministic.
	Apply(op any) any
	// Snapshot encodes the state; Restore replaces the state with one.
	// The encoding must not depend on map iteration order.
	Snapshot() []byte
	Restore(snapshot []byte)
}

// Command is what goes into the log.
type Command struct {
	ClientID uint64
	Seq      uint64
	Op       any
}

// Errors a submission can end with. With either, the operation may still
// be applied later (under a new leader); the client retries elsewhere with
// the same sequence number and duplicate detection keeps it to one effect.
var (
	ErrWrongLeader    = errors.New("rsm: not the leader")
	ErrLostLeadership = errors.New("rsm: leadership lost before the operation was applied")
)

// Config configures an RSM.
type Config struct {
	// MaxRaftState snapshots the state whenever the consensus log's
	// persisted size reaches it; 0 never snapshots.
	MaxRaftState int
	// StateMachineDedups leaves duplicate detection to the state machine:
	// every command is applied, and Apply is given the whole Command
	// (ClientID and Seq with the Op) instead of its Op. A sharded service
	// needs this: its duplicate-detection state must move with each shard,
	// and an answer such as "wrong group" must not be remembered as the
	// operation's result. ClientID and Seq still tie a submission to the
	// entry that answers it.
	StateMachineDedups bool
}

// Done receives the result of a submission, inside a handler call.
type Done func(env node.Env, result any, err error)

type pending struct {
	term     int
	clientID uint64
	seq      uint64
	done     Done
}

type clientRecord struct {
	Seq    uint64
	Result any
}

// RSM is one replica. Build it with New in the server's factory.
type RSM struct {
	cfg       Config
	sm        StateMachine
	log       Consensus
	clients   map[uint64]clientRecord
	pending   map[int]pending
	lastIndex int
	// checked is the (term, leading) checkLeadership last saw: while it
	// holds, every pending submission is of the current term.
	checkedTerm   int
	checkedLeader bool
}

// New returns a replica applying to sm over the log built by newLog, which
// is given the replica as its Applier (for Raft: func(a rsm.Applier)
// rsm.Consensus { return raft.New(cfg, a) }).
func New(cfg Config, sm StateMachine, newLog func(Applier) Consensus) *RSM {
	r := &RSM{cfg: cfg, sm: sm, clients: map[uint64]clientRecord{}, pending: map[int]pending{}}
	r.log = newLog(r)
	return r
}

// Log returns the consensus log, for inspection.
func (r *RSM) Log() Consensus { return r.log }

// Handle passes the event to the log and reports whether it was the log's.
// Afterwards, submissions from an earlier term are answered with
// ErrLostLeadership: a new leader may have overwritten them.
func (r *RSM) Handle(env node.Env, ev node.Event) bool {
	taken := r.log.Handle(env, ev)
	r.checkLeadership(env)
	return taken
}

// Submit proposes op for client clientID with sequence number seq. done is
// called once: with the result when op is applied, at once with
// ErrWrongLeader if this replica does not lead, or with ErrLostLeadership.
func (r *RSM) Submit(env node.Env, clientID, seq uint64, op any, done Done) {
	if rec, ok := r.clients[clientID]; ok && rec.Seq == seq && !r.cfg.StateMachineDedups {
		env.Mark(markDuplicateAnswered)
		done(env, rec.Result, nil) // already applied: answer at once
		return
	}
	index, term, isLeader := r.log.Start(env, Command{ClientID: clientID, Seq: seq, Op: op})
	if !isLeader {
		done(env, nil, ErrWrongLeader)
		return
	}
	if old, ok := r.pending[index]; ok {
		env.Mark(markSlotTaken)
		old.done(env, nil, ErrLostLeadership)
	}
	r.pending[index] = pending{term: term, clientID: clientID, seq: seq, done: done}
}

// ApplyCommand implements Applier.
func (r *RSM) ApplyCommand(env node.Env, index, term int, command any) {
	c, ok := command.(Command)
	if !ok {
		panic(fmt.Sprintf("rsm: log entry %d holds %T, not an rsm.Command", index, command))
	}
	var result any
	rec, seen := r.clients[c.ClientID]
	switch {
	case r.cfg.StateMachineDedups:
		result = r.sm.Apply(c)
	case seen && c.Seq <= rec.Seq:
		env.Mark(markDuplicateApplied)
		result = rec.Result // a duplicate: applied before
	default:
		result = r.sm.Apply(c.Op)
		r.clients[c.ClientID] = clientRecord{Seq: c.Seq, Result: result}
	}
	r.lastIndex = index
	if p, ok := r.pending[index]; ok {
		delete(r.pending, index)
		if p.clientID == c.ClientID && p.seq == c.Seq {
			p.done(env, result, nil)
		} else {
			env.Mark(markLostToOtherEntry)
			p.done(env, nil, ErrLostLeadership)
		}
	}
	if r.cfg.MaxRaftState > 0 && r.log.PersistedSize() >= r.cfg.MaxRaftState {
		env.Mark(markSnapshotted)
		r.log.Snapshot(env, index, r.encode())
	}
}

// ApplyNoop implements Applier: nothing is applied at index, and a
// submission waiting for it lost its place to the empty entry.
func (r *RSM) ApplyNoop(env node.Env, index int) {
	r.lastIndex = index
	if p, ok := r.pending[index]; ok {
		delete(r.pending, index)
		env.Mark(markLostToOtherEntry)
		p.done(env, nil, ErrLostLeadership)
	}
}

// ApplySnapshot implements Applier.
func (r *RSM) ApplySnapshot(env node.Env, index, term int, snapshot []byte) {
	var s snapshotData
	if err := gob.NewDecoder(bytes.NewReader(snapshot)).Decode(&s); err != nil {
		panic(fmt.Sprintf("rsm: snapshot at %d does not decode: %v", index, err))
	}
	env.Mark(markRestored)
	r.sm.Restore(s.State)
	r.clients = map[uint64]clientRecord{}
	for i, id := range s.ClientIDs {
		r.clients[id] = s.Records[i]
	}
	r.lastIndex = index
	for _, i := range node.SortedKeys(r.pending) {
		if i <= index {
			env.Mark(markPendingUnderSnapshot)
			r.pending[i].done(env, nil, ErrLostLeadership)
			delete(r.pending, i)
		}
	}
}

type snapshotData struct {
	State     []byte
	ClientIDs []uint64 // sorted, so the bytes do not depend on map order
	Records   []clientRecord
}

func init() { gobwarm.Warm(Command{}, snapshotData{}) }

func (r *RSM) encode() []byte {
	s := snapshotData{State: r.sm.Snapshot(), ClientIDs: node.SortedKeys(r.clients)}
	for _, id := range s.ClientIDs {
		s.Records = append(s.Records, r.clients[id])
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s); err != nil {
		panic(fmt.Sprintf("rsm: snapshot does not encode: %v (register result types with gob.Register)", err))
	}
	return buf.Bytes()
}

// checkLeadership fails the submissions of terms this replica no longer
// leads.
func (r *RSM) checkLeadership(env node.Env) {
	term, isLeader := r.log.State()
	if len(r.pending) == 0 || term == r.checkedTerm && isLeader == r.checkedLeader {
		r.checkedTerm, r.checkedLeader = term, isLeader
		return // nothing pending, or nothing changed since the last look
	}
	r.checkedTerm, r.checkedLeader = term, isLeader
	indices := node.SortedKeys(r.pending)
	for _, i := range indices {
		if p := r.pending[i]; !isLeader || p.term != term {
			env.Mark(markLostLeadership)
			delete(r.pending, i)
			p.done(env, nil, ErrLostLeadership)
		}
	}
}

// Pending is the number of submissions waiting for their entry.
func (r *RSM) Pending() int { return len(r.pending) }

// LastApplied is the index of the last entry applied.
func (r *RSM) LastApplied() int { return r.lastIndex }
