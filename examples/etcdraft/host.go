package etcdraft

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
)

// Timing: etcd's Raft counts time in ticks. A tick every 50 ms, elections
// after 10 to 20 ticks and heartbeats every 2 give election timeouts of
// 0.5–1 s and ten heartbeats a second, close to the classic lab's Raft.
const (
	tickInterval  = 30 * time.Millisecond
	electionTicks = 10
	heartbeatTick = 3
)

// tick is the host's timer tag.
type tick struct{}

// server hosts one etcd RawNode in a simlab node: it ticks the RawNode on a
// timer, steps it with the messages that arrive, and after every event
// drains its Ready: persist entries, hard state and snapshot to the node's
// disk, sync when etcd says so, and only then send messages; then apply what
// committed and Advance. It implements raftcat.Server.
type server struct {
	cfg raftcat.Config
	app raftcat.Applier

	id      uint64 // etcd's ID: the node's ID + 1 (etcd reserves 0)
	rn      *raft.RawNode
	storage *raft.MemoryStorage
	disk    diskState
	conf    *pb.ConfState
	log     logger
	// What the checker reads between events: the log as the storage holds
	// it, and the hard and soft state of the last Ready.
	mirror logMirror
	hard   *pb.HardState
	soft   raft.SoftState

	// A snapshot the service asked for while Ready's entries were being
	// applied, taken once Ready is advanced.
	pendingSnap *pendingSnapshot
	// Transport feedback: the tick a peer was last heard from, and the
	// tick a snapshot was sent to a peer that has not answered since.
	ticks      int
	heardAt    map[uint64]int
	snapSentAt map[uint64]int
}

type pendingSnapshot struct {
	index uint64
	data  []byte
}

func newServer(cfg raftcat.Config, app raftcat.Applier) raftcat.Server {
	return &server{cfg: cfg, app: app, heardAt: map[uint64]int{}, snapSentAt: map[uint64]int{}}
}

// Handle implements node.Handler.
func (s *server) Handle(env node.Env, ev node.Event) {
	s.log.env = env
	defer func() { s.log.env = nil }()
	switch ev := ev.(type) {
	case *node.Start:
		s.boot(env)
	case *node.Timeout:
		if _, ok := ev.Tag.(tick); !ok {
			return
		}
		s.ticks++
		s.rn.Tick()
		s.reportTransport()
		env.SetTimer(tickInterval, tick{})
	case *node.Recv:
		w, ok := ev.Msg.(wire)
		if !ok || s.rn == nil {
			return
		}
		m, err := w.decode()
		if err != nil {
			env.Logf("dropping a message from %v that does not decode: %v", ev.From, err)
			return
		}
		from := m.GetFrom()
		s.heardAt[from] = s.ticks
		if _, sent := s.snapSentAt[from]; sent {
			delete(s.snapSentAt, from)
			s.rn.ReportSnapshot(from, raft.SnapshotFinish)
		}
		if err := s.rn.Step(m); err != nil && !errors.Is(err, raft.ErrStepPeerNotFound) && !errors.Is(err, raft.ErrStepLocalMsg) {
			env.Logf("step %v: %v", m.GetType(), err)
		}
	}
	s.drain(env)
}

// boot rebuilds the storage from the disk (or bootstraps a new cluster),
// builds the RawNode, restores the service's snapshot and starts ticking.
func (s *server) boot(env node.Env) {
	s.id = uint64(env.Self()) + 1
	st, err := s.disk.restore(env.Disk())
	if d, ok := err.(*node.Damage); ok {
		node.Refuse(d)
	}
	if err != nil {
		panic(fmt.Sprintf("etcdraft: %v", err))
	}
	s.storage = st.storage
	s.conf = st.conf
	s.mirror = logMirror{}
	if snap := st.snapshot; snap != nil {
		s.mirror.reset(snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm())
	}
	if ents, err := s.remaining(); err == nil {
		s.mirror.appendEntries(ents)
	}
	s.hard, _, _ = s.storage.InitialState()
	s.soft = raft.SoftState{RaftState: raft.StateFollower}
	rc := &raft.Config{
		ID:              s.id,
		ElectionTick:    electionTicks,
		HeartbeatTick:   heartbeatTick,
		Storage:         s.storage,
		Applied:         st.applied,
		MaxSizePerMsg:   64 << 10,
		MaxInflightMsgs: 256,
		CheckQuorum:     s.cfg.CheckQuorum,
		PreVote:         s.cfg.PreVote,
		Logger:          &s.log,
	}
	if s.rn, err = raft.NewRawNode(rc); err != nil {
		panic(fmt.Sprintf("etcdraft: %v", err))
	}
	if st.fresh {
		var peers []raft.Peer
		for _, p := range s.cfg.Peers {
			peers = append(peers, raft.Peer{ID: uint64(p) + 1})
		}
		if err := s.rn.Bootstrap(peers); err != nil {
			panic(fmt.Sprintf("etcdraft: bootstrap: %v", err))
		}
	}
	if snap := st.snapshot; snap != nil {
		md := snap.GetMetadata()
		s.app.ApplySnapshot(env, int(md.GetIndex()), int(md.GetTerm()), snap.GetData())
	}
	// Nodes of a real cluster do not tick in step; a random phase keeps
	// election timeouts, counted in ticks, from firing at the same
	// instants on every node.
	env.SetTimer(env.Rand().Duration(time.Millisecond, tickInterval), tick{})
}

// drain handles every Ready the RawNode has: persist, sync, send, apply,
// advance, in that order.
func (s *server) drain(env node.Env) {
	for s.rn.HasReady() {
		rd := s.rn.Ready()
		hasSnap := rd.Snapshot != nil && !raft.IsEmptySnap(rd.Snapshot)
		if hasSnap {
			if err := s.storage.ApplySnapshot(rd.Snapshot); err != nil {
				panic(fmt.Sprintf("etcdraft: apply a snapshot to storage: %v", err))
			}
			s.conf = rd.Snapshot.GetMetadata().GetConfState()
			s.mirror.reset(rd.Snapshot.GetMetadata().GetIndex(), rd.Snapshot.GetMetadata().GetTerm())
			s.disk.newGeneration(env.Disk(), rd.Snapshot, nil)
		}
		// The hard state goes to disk before the entries, so that a log
		// without a hard state is damage, never a crash's leftover.
		if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
			if err := s.storage.SetHardState(rd.HardState); err != nil {
				panic(fmt.Sprintf("etcdraft: set hard state: %v", err))
			}
			s.disk.saveHardState(env.Disk(), rd.HardState)
			s.hard = rd.HardState
		}
		if len(rd.Entries) > 0 {
			if err := s.storage.Append(rd.Entries); err != nil {
				panic(fmt.Sprintf("etcdraft: append to storage: %v", err))
			}
			s.disk.appendEntries(env.Disk(), rd.Entries)
			s.mirror.appendEntries(rd.Entries)
		}
		if rd.SoftState != nil {
			s.soft = *rd.SoftState
		}
		if rd.MustSync || hasSnap {
			env.Disk().Sync() // durable before any message that depends on it
			s.disk.vouch(env.Disk())
		}
		for _, m := range rd.Messages {
			s.send(env, m)
		}
		if hasSnap {
			md := rd.Snapshot.GetMetadata()
			s.app.ApplySnapshot(env, int(md.GetIndex()), int(md.GetTerm()), rd.Snapshot.GetData())
		}
		for _, e := range rd.CommittedEntries {
			s.apply(env, e)
		}
		s.rn.Advance(rd)
		s.compactPending(env)
	}
	s.compactPending(env)
}

func (s *server) compactPending(env node.Env) {
	if p := s.pendingSnap; p != nil {
		s.pendingSnap = nil
		s.compact(env, p.index, p.data)
	}
}

// apply hands one committed entry to the service; configuration changes
// go to the RawNode first.
func (s *server) apply(env node.Env, e *pb.Entry) {
	var cmd []byte
	switch e.GetType() {
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if err := unmarshal(e.GetData(), &cc); err != nil {
			panic(fmt.Sprintf("etcdraft: entry %d: a configuration change that does not decode: %v", e.GetIndex(), err))
		}
		s.conf = s.rn.ApplyConfChange(&cc)
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := unmarshal(e.GetData(), &cc); err != nil {
			panic(fmt.Sprintf("etcdraft: entry %d: a configuration change that does not decode: %v", e.GetIndex(), err))
		}
		s.conf = s.rn.ApplyConfChange(&cc)
	default:
		if len(e.GetData()) > 0 {
			cmd = e.GetData()
		}
	}
	s.app.ApplyCommand(env, int(e.GetIndex()), int(e.GetTerm()), cmd)
}

// send puts one message on the network, noting snapshots sent so that
// their outcome can be reported back.
func (s *server) send(env node.Env, m *pb.Message) {
	if m.GetType() == pb.MsgSnap {
		s.snapSentAt[m.GetTo()] = s.ticks
	}
	env.Send(node.ID(m.GetTo()-1), encode(m))
}

// reportTransport tells the RawNode, on every tick, what a transport
// would: a peer silent for an election timeout is unreachable (so the
// leader stops streaming appends at it), and a snapshot its follower has
// not answered within one is lost.
func (s *server) reportTransport() {
	for _, p := range s.cfg.Peers {
		id := uint64(p) + 1
		if id == s.id {
			continue
		}
		if at, ok := s.snapSentAt[id]; ok && s.ticks-at > electionTicks {
			delete(s.snapSentAt, id)
			s.rn.ReportSnapshot(id, raft.SnapshotFailure)
		}
		if s.ticks-s.heardAt[id] > electionTicks && s.ticks%electionTicks == 0 {
			s.rn.ReportUnreachable(id)
		}
	}
}

// Start implements raftcat.Server.
func (s *server) Start(env node.Env, command []byte) (index, term int, isLeader bool) {
	s.log.env = env
	defer func() { s.log.env = nil }()
	st := s.rn.BasicStatus()
	if st.RaftState != raft.StateLeader {
		return 0, int(st.HardState.GetTerm()), false
	}
	last, _ := s.storage.LastIndex()
	if err := s.rn.Propose(command); err != nil {
		return 0, int(st.HardState.GetTerm()), false // dropped: a leadership transfer, say
	}
	s.drain(env)
	return int(last) + 1, int(st.HardState.GetTerm()), true
}

// State implements raftcat.Server, as of the last Ready drained.
func (s *server) State() (term int, isLeader bool) {
	return int(s.hard.GetTerm()), s.soft.RaftState == raft.StateLeader
}

// Log implements raftcat.Server: the log as the storage holds it, which
// after every handler call is everything the RawNode holds, since each
// Ready is persisted before the call returns. etcd keeps no chain hash, so
// the view gives entries' data and the checker derives one.
func (s *server) Log() checker.LogView {
	return s.mirror.view(s.hard.GetTerm(), s.soft.RaftState == raft.StateLeader, s.hard.GetCommit())
}

// Vote implements raftcat.Voter: the hard state's term and the vote cast
// in it.
func (s *server) Vote() (term int, votedFor node.ID) {
	if v := s.hard.GetVote(); v != 0 {
		return int(s.hard.GetTerm()), node.ID(v - 1)
	}
	return int(s.hard.GetTerm()), node.None
}

// Snapshot implements raftcat.Server. Called while a Ready's entries are
// being applied, it is taken once that Ready is advanced.
func (s *server) Snapshot(env node.Env, index int, snapshot []byte) {
	s.pendingSnap = &pendingSnapshot{uint64(index), append([]byte(nil), snapshot...)}
}

// compact stores the service's snapshot at index and drops the log up to
// it, in memory and on disk.
func (s *server) compact(env node.Env, index uint64, data []byte) {
	first, _ := s.storage.FirstIndex()
	if index < first {
		return // already covered by a newer snapshot
	}
	snap, err := s.storage.CreateSnapshot(index, s.conf, data)
	if err != nil {
		panic(fmt.Sprintf("etcdraft: snapshot at %d: %v", index, err))
	}
	if err := s.storage.Compact(index); err != nil {
		panic(fmt.Sprintf("etcdraft: compact to %d: %v", index, err))
	}
	s.mirror.compact(index)
	ents, _ := s.remaining()
	s.disk.newGeneration(env.Disk(), snap, ents)
}

// remaining is every entry the storage still holds.
func (s *server) remaining() ([]*pb.Entry, error) {
	first, _ := s.storage.FirstIndex()
	last, _ := s.storage.LastIndex()
	if last < first {
		return nil, nil
	}
	return s.storage.Entries(first, last+1, 1<<62)
}

// PersistedSize implements raftcat.Server: the hard state and the log
// file, without the snapshot.
func (s *server) PersistedSize() int { return s.disk.hardStateSize + s.disk.logSize }

// ElectionTimeoutMax implements raftcat.Server: etcd randomizes the
// timeout in [ElectionTick, 2×ElectionTick) ticks.
func (s *server) ElectionTimeoutMax() time.Duration { return 2 * electionTicks * tickInterval }
