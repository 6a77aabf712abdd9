// Package paxoslog is a consensus log for rsm built on systems/paxos, so
// that a replicated service (kv, the shard controller, a shardkv group)
// runs on Paxos with the same code that runs it on Raft.
//
// Entry i of the log is Paxos instance i−1. Any replica takes a submission:
// it proposes the command into the next instance it has not seen used,
// and if another replica's command wins that instance, the submission
// fails (rsm answers ErrLostLeadership) and the client tries again. A
// replica applies decided instances in order; when it has seen a later
// instance than it can apply, it proposes an empty entry for the first
// hole, which either decides the hole empty or teaches it what was decided
// there. Snapshots are the service's, taken through rsm as with Raft; the
// log calls Paxos's Done only up to its latest durable snapshot, so every
// replica can always rebuild its state from its snapshot and the instances
// after it, which no peer forgets until every replica is past them.
//
// There is no leader: State always says term 1 and leading, and a
// replica cut off in a minority takes submissions it cannot finish, which
// its clients give up on and send elsewhere.
package paxoslog

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/internal/frame"
	"github.com/simlab-go/simlab/systems/paxos"
	"github.com/simlab-go/simlab/systems/raft"
	"github.com/simlab-go/simlab/systems/rsm"
)

// Codec turns commands into the bytes Paxos agrees on; raft.Codec has the
// same shape, so a service's Raft codec serves here too.
type Codec interface {
	Encode(command any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// Config configures a replica's log.
type Config struct {
	// Paxos configures the replica's Paxos peer; Paxos.Peers lists the
	// replicas. Learned is the log's own.
	Paxos paxos.Config
	// Codec encodes commands; nil means raft.GobCodec (register the
	// operation types with gob).
	Codec Codec
	// FillEvery is how often a replica that has seen a later instance
	// than it can apply proposes an empty entry for its first hole; zero
	// means 50 ms.
	FillEvery time.Duration
	// FilePrefix names the snapshot file; "paxoslog" when empty. Paxos's
	// own file is Paxos.FilePrefix.
	FilePrefix string
}

// Log is one replica's log: an rsm.Consensus.
type Log struct {
	cfg       Config
	px        *paxos.Paxos
	app       rsm.Applier
	applied   int // the last instance applied; -1 for none
	next      int // the next instance to propose a command at
	snapSeq   int // the instance the latest snapshot covers; -1 for none
	snapSize  int // its size in bytes
	sinceSnap int // bytes of entries applied since it
	applying  bool
	booted    bool
}

// Entries are tagged: an empty entry fills a hole.
const (
	entryEmpty byte = iota + 1
	entryCommand
)

type fillTick struct{}

// New returns a replica's log applying to app (for rsm: func(a
// rsm.Applier) rsm.Consensus { return paxoslog.New(cfg, a) }).
func New(cfg Config, app rsm.Applier) *Log {
	if cfg.Codec == nil {
		cfg.Codec = raft.GobCodec{}
	}
	if cfg.FillEvery <= 0 {
		cfg.FillEvery = 50 * time.Millisecond
	}
	if cfg.FilePrefix == "" {
		cfg.FilePrefix = "paxoslog"
	}
	l := &Log{cfg: cfg, app: app, applied: -1, snapSeq: -1}
	restored := cfg.Paxos.Restored
	cfg.Paxos.Restored = func() {
		l.checkSnapshotCovers()
		if restored != nil {
			restored()
		}
	}
	l.px = paxos.New(cfg.Paxos)
	return l
}

// checkSnapshotCovers refuses to start when Paxos was told this replica
// is done with instances the latest snapshot does not hold: Paxos may
// forget them only because a snapshot holds them, so the snapshot that did
// is lost. It runs once Paxos has read its state back and before Paxos
// writes anything, so a refusal leaves every file as it was.
func (l *Log) checkSnapshotCovers() {
	if done := l.px.DoneSelf(); done > l.snapSeq {
		node.Refuse(&node.Damage{File: l.snapName(), Offset: -1,
			Found: fmt.Sprintf("covers instances up to %d, but the Paxos peer was told this replica was done up to %d: the snapshot in between is lost", l.snapSeq, done)})
	}
}

// Paxos is the replica's Paxos peer, for inspection.
func (l *Log) Paxos() *paxos.Paxos { return l.px }

// Applied is the last log index applied (instance + 1); 0 for none.
func (l *Log) Applied() int { return l.applied + 1 }

// SnapshotSize is the size of the latest snapshot, in bytes.
func (l *Log) SnapshotSize() int { return l.snapSize }

// SnapshotIndex is the log index the latest snapshot covers; 0 for none.
func (l *Log) SnapshotIndex() int { return l.snapSeq + 1 }

// Handle implements rsm.Consensus: the Paxos peer's events and the log's
// timer. On Start it restores the latest snapshot (handing it to the
// Applier) and Paxos's state, and returns false so the host acts on Start
// too.
func (l *Log) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Start:
		l.boot(env)
		l.px.Handle(env, ev) // checkSnapshotCovers, before Paxos writes
		l.booted = true
		env.SetTimer(l.cfg.FillEvery, fillTick{})
		l.apply(env)
		return false
	case *node.Timeout:
		if _, ok := ev.Tag.(fillTick); ok {
			l.fill(env)
			env.SetTimer(l.cfg.FillEvery, fillTick{})
			return true
		}
	}
	if !l.px.Handle(env, ev) {
		return false
	}
	l.apply(env)
	return true
}

func (l *Log) snapName() string { return l.cfg.FilePrefix + ".snap" }

// boot reads the latest snapshot, if any, and gives it to the Applier. A
// snapshot file is only ever replaced whole, so one that does not read
// back is damage.
func (l *Log) boot(env node.Env) {
	b, err := env.Disk().ReadFile(l.snapName())
	if err != nil {
		return
	}
	payload, damage := frame.Whole(l.snapName(), b)
	if damage != nil {
		node.Refuse(damage)
	}
	seq, n := binary.Varint(payload)
	if n <= 0 {
		node.Refuse(&node.Damage{File: l.snapName(), Offset: frame.Header,
			Found: "a snapshot record, whose checksum holds, without the instance it covers"})
	}
	l.snapSeq, l.applied, l.snapSize = int(seq), int(seq), len(payload)-n
	l.app.ApplySnapshot(env, l.applied+1, 1, payload[n:])
}

// Start implements rsm.Consensus: it proposes command at the next instance
// this replica has not seen used, and returns its log index.
func (l *Log) Start(env node.Env, command any) (index, term int, isLeader bool) {
	data, err := l.cfg.Codec.Encode(command)
	if err != nil {
		panic(fmt.Sprintf("paxoslog: command %T does not encode: %v", command, err))
	}
	seq := max(l.next, l.px.Max()+1, l.applied+1)
	l.next = seq + 1
	l.px.Start(env, seq, append([]byte{entryCommand}, data...))
	l.apply(env)
	return seq + 1, 1, true
}

// State implements rsm.Consensus: every replica takes submissions.
func (l *Log) State() (term int, isLeader bool) { return 1, l.booted }

// Snapshot implements rsm.Consensus: the snapshot covering index is
// written and synced, then Paxos is told this replica is done with the
// instances it covers.
func (l *Log) Snapshot(env node.Env, index int, snapshot []byte) {
	seq := index - 1
	if seq <= l.snapSeq {
		return
	}
	rec := binary.AppendVarint(nil, int64(seq))
	env.Disk().WriteFile(l.snapName(), frame.Of(append(rec, snapshot...)))
	env.Disk().Sync()
	l.snapSeq, l.sinceSnap, l.snapSize = seq, 0, len(snapshot)
	l.px.Done(env, seq)
}

// PersistedSize implements rsm.Consensus: the bytes of entries applied
// since the latest snapshot, which a new snapshot lets Paxos free. (The
// Paxos file itself shrinks only once every replica is done, so it cannot
// tell the service when to snapshot.)
func (l *Log) PersistedSize() int { return l.sinceSnap }

// apply hands the Applier every decided instance after the last applied,
// in order.
func (l *Log) apply(env node.Env) {
	if l.applying || !l.booted {
		return
	}
	l.applying = true
	defer func() { l.applying = false }()
	from := l.applied
	for {
		seq := l.applied + 1
		fate, v := l.px.Status(seq)
		switch fate {
		case paxos.Forgotten:
			panic(fmt.Sprintf("paxoslog: instance %d forgotten before this replica applied it (it called Done only up to %d)", seq, l.snapSeq))
		case paxos.Pending:
			if l.applied > from {
				// Catching up: the next holes at once, not at the next
				// tick, or a replica that missed a few hundred instances
				// would take seconds to answer again.
				l.fill(env)
			}
			return
		}
		l.applied = seq
		l.next = max(l.next, seq+1)
		l.sinceSnap += len(v)
		if len(v) == 0 || v[0] == entryEmpty {
			l.app.ApplyNoop(env, seq+1)
			continue
		}
		cmd, err := l.cfg.Codec.Decode(v[1:])
		if err != nil {
			panic(fmt.Sprintf("paxoslog: instance %d does not decode: %v", seq, err))
		}
		l.app.ApplyCommand(env, seq+1, 1, cmd)
	}
}

// fillWindow is how many holes past the last applied instance a replica
// proposes empty entries for at once.
const fillWindow = 16

// fill proposes empty entries for the instances this replica cannot apply
// yet (up to fillWindow of them) up to the highest it knows decided
// somewhere: the proposal learns what was decided there, or decides an
// abandoned hole empty. Instances above are left to the proposers at work
// on them: an empty entry proposed there would take the place of a
// client's command.
func (l *Log) fill(env node.Env) {
	last := min(l.px.Known(), l.applied+fillWindow)
	for seq := l.applied + 1; seq <= last; seq++ {
		if fate, _ := l.px.Status(seq); fate == paxos.Pending {
			env.Mark(markHoleFilled)
			l.px.Start(env, seq, []byte{entryEmpty})
		}
	}
}

//simlab:readonly a mark is an ID fixed at init, never written after
var markHoleFilled = node.NewMark("paxoslog/hole-proposed-empty",
	"a replica behind a later instance proposed an empty entry for its first hole")
