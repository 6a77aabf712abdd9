package paxos

import (
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Fate is what a peer knows of an instance.
type Fate int

const (
	Decided   Fate = iota + 1 // agreed on; Status gives the value
	Pending                   // not decided as far as this peer knows
	Forgotten                 // below Min: decided, and every peer is done with it
)

func (f Fate) String() string {
	switch f {
	case Decided:
		return "decided"
	case Pending:
		return "pending"
	case Forgotten:
		return "forgotten"
	}
	return fmt.Sprintf("Fate(%d)", int(f))
}

// Config configures a peer.
type Config struct {
	// Peers are every peer of the group, this one included, in the same
	// order at every peer.
	Peers []node.ID
	// RetryMin and RetryMax bound a proposer's wait before it tries an
	// instance again with a higher proposal: the wait doubles from
	// RetryMin with every attempt, drawn at random below its bound, up to
	// RetryMax. Zero means 30 ms and 500 ms.
	RetryMin, RetryMax time.Duration
	// DoneNoticeAfter is how long after a Done call a peer tells every
	// other peer its Done, if nothing it sent meanwhile carried it (so
	// that Min advances on a quiet system). Zero means 200 ms.
	DoneNoticeAfter time.Duration
	// FilePrefix names the peer's file on its disk; "paxos" when empty.
	FilePrefix string
	// Learned, when set, is called inside the handler call in which this
	// peer learns an instance's value (by its own round, a Decide, or an
	// acceptor's answer); not for decisions restored from the disk. A
	// replicated log applies through it; a checker compares through it.
	Learned func(env node.Env, seq int, v []byte)
	// Restored, when set, is called at Start once the peer's state is
	// read back from its disk and before anything is written to it (the
	// repair of a torn tail, a new peer's first meta): the peer's owner
	// may refuse to start there (node.Refuse) over damage that only this
	// state shows, with every file still as it found it.
	Restored func()
}

func (c Config) withDefaults() Config {
	if c.RetryMin <= 0 {
		c.RetryMin = 30 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 500 * time.Millisecond
	}
	if c.DoneNoticeAfter <= 0 {
		c.DoneNoticeAfter = 200 * time.Millisecond
	}
	if c.FilePrefix == "" {
		c.FilePrefix = "paxos"
	}
	return c
}

// instance is one peer's state of one instance: acceptor, learner and,
// while it proposes, proposer.
type instance struct {
	np      int    // the highest proposal promised
	na      int    // the proposal last accepted; 0 for none
	va      []byte // its value
	decided bool
	v       []byte
	prop    *proposal
}

// proposal is a proposer's round for an instance.
type proposal struct {
	value    []byte // what this peer wants, if nothing was accepted before
	n        int
	phase    int // 1: preparing, 2: accepting
	gen      int // attempt number; a timer of an older one is stale
	all      bool
	oks      []bool // by peer index
	bestNA   int
	bestVA   []byte
	acceptV  []byte
	askedFor []bool // by peer index: sent this phase's request
}

// Paxos is one peer. Build it with New in the node's factory and pass it
// every event (Handle); a fresh Paxos restores its state from the disk on
// the node's Start.
type Paxos struct {
	cfg      Config
	me       node.ID
	meIndex  int
	index    map[node.ID]int
	inst     map[int]*instance
	done     []int // by peer index: the highest Done heard
	floor    int   // instances below it were forgotten (persisted)
	maxSeq   int
	known    int // the highest instance known decided, here or by a peer
	maxRound int
	store    storage
	booted   bool
	noticeAt bool // a DoneNotice timer is armed
	stats    Stats
}

// Stats counts what a peer did.
type Stats struct {
	Proposals   int // rounds begun (phase 1 sent)
	Decided     int // instances this peer saw decided
	Forgotten   int // instances freed below Min
	Compactions int // rewrites of the acceptor file
}

// New returns a peer.
func New(cfg Config) *Paxos {
	cfg = cfg.withDefaults()
	if len(cfg.Peers) == 0 {
		panic("paxos: no peers")
	}
	px := &Paxos{cfg: cfg, index: map[node.ID]int{}, inst: map[int]*instance{}, meIndex: -1, maxSeq: -1, known: -1}
	for i, p := range cfg.Peers {
		px.index[p] = i
	}
	px.done = make([]int, len(cfg.Peers))
	for i := range px.done {
		px.done[i] = -1
	}
	return px
}

// Handle takes the events that are Paxos's: its messages and timers, and
// Start, on which it restores its state and returns false so the host acts
// on Start too. It returns whether the event was Paxos's own.
func (px *Paxos) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Start:
		px.boot(env)
		return false
	case *node.Timeout:
		switch t := ev.Tag.(type) {
		case retryTick:
			px.onRetry(env, t)
			return true
		case doneTick:
			px.noticeAt = false
			px.broadcast(env, DoneNotice{Done: px.done[px.meIndex]})
			return true
		}
	case *node.Recv:
		i, ok := px.index[ev.From]
		if !ok || !px.booted {
			return isPaxosMessage(ev.Msg)
		}
		switch m := ev.Msg.(type) {
		case Prepare:
			px.heard(i, max(m.Seq, m.Max), m.Known, m.Done)
			px.onPrepare(env, ev.From, m)
		case PrepareReply:
			px.heard(i, max(m.Seq, m.Max), m.Known, m.Done)
			px.onPrepareReply(env, i, m)
		case Accept:
			px.heard(i, max(m.Seq, m.Max), m.Known, m.Done)
			px.onAccept(env, ev.From, m)
		case AcceptReply:
			px.heard(i, max(m.Seq, m.Max), m.Known, m.Done)
			px.onAcceptReply(env, i, m)
		case Decide:
			px.heard(i, max(m.Seq, m.Max), m.Known, m.Done)
			px.learn(env, m.Seq, m.V)
		case DoneNotice:
			px.heard(i, m.Max, m.Known, m.Done)
		default:
			return false
		}
		px.forget(env)
		return true
	}
	return false
}

type doneTick struct{}

func isPaxosMessage(msg any) bool {
	switch msg.(type) {
	case Prepare, PrepareReply, Accept, AcceptReply, Decide, DoneNotice:
		return true
	}
	return false
}

func (px *Paxos) boot(env node.Env) {
	px.me = env.Self()
	i, ok := px.index[px.me]
	if !ok {
		panic(fmt.Sprintf("paxos: %v is not one of the peers %v", px.me, px.cfg.Peers))
	}
	px.meIndex = i
	px.store = storage{prefix: px.cfg.FilePrefix}
	px.restore(env)
	px.booted = true
}

// heard notes what a message says of its sender: its Done, the highest
// instance it has seen, and the highest it knows decided.
func (px *Paxos) heard(from, seq, known, done int) {
	px.done[from] = max(px.done[from], done)
	px.maxSeq = max(px.maxSeq, seq, known)
	px.known = max(px.known, known)
}

// Booted reports whether the peer has restored its state, on the node's
// Start event; before that, Start and Done do nothing.
func (px *Paxos) Booted() bool { return px.booted }

// Start proposes v for instance seq. It returns at once; Status tells when
// seq is decided (with v or another peer's value). An instance below Min,
// already decided, or already being proposed here is left alone.
func (px *Paxos) Start(env node.Env, seq int, v []byte) {
	if !px.booted || seq < px.Min() {
		return
	}
	px.maxSeq = max(px.maxSeq, seq)
	in := px.get(seq)
	if in.decided || in.prop != nil {
		return
	}
	in.prop = &proposal{value: slices.Clone(v)}
	px.begin(env, seq, in, false)
}

// Status says what this peer knows of instance seq.
func (px *Paxos) Status(seq int) (Fate, []byte) {
	if seq < px.Min() {
		return Forgotten, nil
	}
	if in, ok := px.inst[seq]; ok && in.decided {
		return Decided, in.v
	}
	return Pending, nil
}

// Done says this peer no longer needs instances ≤ seq. Every peer learns
// it with the next message this peer sends it, or from a notice sent soon
// after; once every peer is done with an instance, every peer forgets it.
func (px *Paxos) Done(env node.Env, seq int) {
	if !px.booted || seq <= px.done[px.meIndex] {
		return
	}
	px.done[px.meIndex] = seq
	px.store.appendDone(env, seq)
	if !px.noticeAt && len(px.cfg.Peers) > 1 {
		px.noticeAt = true
		env.SetTimer(px.cfg.DoneNoticeAfter, doneTick{})
	}
	px.forget(env)
}

// DoneSelf is the highest seq this peer called Done with (restored from
// its disk at boot); -1 before any.
func (px *Paxos) DoneSelf() int { return px.done[px.meIndex] }

// Min is one more than the least Done of every peer as this peer has heard
// it: instances below it are forgotten.
func (px *Paxos) Min() int {
	lo := px.done[0]
	for _, d := range px.done[1:] {
		lo = min(lo, d)
	}
	return max(lo+1, px.floor)
}

// Max is the highest instance this peer has seen proposed or heard of
// (every message carries its sender's); -1 before any.
func (px *Paxos) Max() int { return px.maxSeq }

// Known is the highest instance this peer knows to be decided, by itself
// or (as the messages it received said) by a peer; -1 before any. A
// replicated log asks about the holes below it, which are decided
// somewhere, and leaves those above it to the proposers at work on them.
func (px *Paxos) Known() int { return px.known }

// Retained is how many instances this peer holds in memory.
func (px *Paxos) Retained() int { return len(px.inst) }

// PersistedSize is the size of this peer's file on its disk.
func (px *Paxos) PersistedSize() int { return px.store.size }

// Stats returns what this peer did.
func (px *Paxos) Stats() Stats { return px.stats }

// Accepted is the proposal and value this peer's acceptor last accepted
// for seq (0 and nil for none), for checkers.
func (px *Paxos) Accepted(seq int) (n int, v []byte) {
	if in, ok := px.inst[seq]; ok {
		return in.na, in.va
	}
	return 0, nil
}

// Promised is the highest proposal this peer's acceptor promised for seq
// (0 for none), for checkers.
func (px *Paxos) Promised(seq int) int {
	if in, ok := px.inst[seq]; ok {
		return in.np
	}
	return 0
}

func (px *Paxos) get(seq int) *instance {
	in := px.inst[seq]
	if in == nil {
		in = &instance{}
		px.inst[seq] = in
	}
	return in
}

func (px *Paxos) majority() int { return len(px.cfg.Peers)/2 + 1 }

// send sends msg after making every acceptor write durable: a promise or
// an acceptance must not reach anyone, the proposer within this node
// included, before it would survive a crash.
func (px *Paxos) send(env node.Env, to node.ID, msg any) {
	px.store.sync(env)
	env.Send(to, px.stamp(msg))
}

// stamp sets a message's Max and Known to this peer's.
func (px *Paxos) stamp(msg any) any {
	switch m := msg.(type) {
	case Prepare:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	case PrepareReply:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	case Accept:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	case AcceptReply:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	case Decide:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	case DoneNotice:
		m.Max, m.Known = px.maxSeq, px.known
		return m
	}
	return msg
}

func (px *Paxos) broadcast(env node.Env, msg any) {
	for _, p := range px.cfg.Peers {
		if p != px.me {
			px.send(env, p, msg)
		}
	}
}

// forget frees the instances below Min once it has moved, and rewrites
// the file once most of it is about forgotten instances.
func (px *Paxos) forget(env node.Env) { px.forgetBelow(env, px.Min()) }

// forgetBelow frees the instances below m, which every peer is done with,
// and raises the floor to m.
func (px *Paxos) forgetBelow(env node.Env, m int) {
	if m <= px.floor {
		return
	}
	px.floor = m
	freed := 0
	//simlab:unordered deleting every key below m, in any order, leaves the same map
	for seq := range px.inst {
		if seq < m {
			delete(px.inst, seq)
			freed++
		}
	}
	if freed == 0 {
		return
	}
	px.stats.Forgotten += freed
	env.Mark(markForgotten)
	if px.store.size > 2*px.liveSize()+4096 {
		px.compact(env)
	}
}
