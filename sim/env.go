package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// nodeState is the simulator's record of one node across incarnations.
type nodeState struct {
	id      node.ID
	name    string
	factory node.Factory
	handler node.Handler
	env     *nodeEnv
	disk    *disk
	netRand *node.Rand
	// cryptoRand answers this incarnation's reads of crypto/rand (see
	// cryptorand.go); made on the first read.
	cryptoRand *node.Rand

	up     bool
	paused bool
	held   []int32 // slab slots of events that arrived while paused
	// started says the incarnation has handled its Start; early holds
	// the messages that reached it before (queued for the instant of its
	// restart, ahead of the Start by their keys), delivered right after.
	started   bool
	early     []int32
	inc       uint32
	nextTimer node.TimerID
	timers    map[node.TimerID]struct{} // live timers of this incarnation
	crashMid  bool                      // crash inside the next handler call
	busyUntil time.Duration

	// With the CPU model, the effects of the handler call still running.
	inflight      []effect
	commitPending bool

	skew  time.Duration
	drift float64

	// damaged lists what World.Damage did to this node's synced data;
	// refusal is the diagnosis of the last incarnation that refused to
	// start (node.Refuse), nil once one boots.
	damaged []string
	refusal *node.Damage

	stats NodeStats
}

// localTime is the node's clock reading at virtual time t.
func (n *nodeState) localTime(t time.Duration) time.Duration {
	return t + n.skew + time.Duration(float64(t)*n.drift)
}

type effKind uint8

const (
	effSend effKind = iota
	effTimer
	effStop
	effDisk
	effSync
	effSyncFile
)

// effect is one recorded side effect of a handler call.
type effect struct {
	kind  effKind
	to    node.ID
	timer node.TimerID
	d     time.Duration
	msg   any // message or timer tag
	op    diskOp
}

// nodeEnv implements node.Env for one incarnation of one node.
type nodeEnv struct {
	w    *World
	n    *nodeState
	rand *node.Rand
}

func (e *nodeEnv) check() {
	if e.w.running != e {
		panic(fmt.Sprintf("sim: the Env of node %s was used outside its own Handle call (kept across calls, used by another incarnation, or from a goroutine)", e.n.name))
	}
}

func (e *nodeEnv) Self() node.ID { return e.n.id }

func (e *nodeEnv) Now() time.Duration { e.check(); return e.n.localTime(e.w.now) }

func (e *nodeEnv) Rand() *node.Rand { e.check(); return e.rand }

func (e *nodeEnv) Send(to node.ID, msg any) {
	e.check()
	e.w.effects = append(e.w.effects, effect{kind: effSend, to: to, msg: msg})
}

func (e *nodeEnv) SetTimer(d time.Duration, tag any) node.TimerID {
	e.check()
	if d < 0 {
		d = 0
	}
	e.n.nextTimer++
	id := e.n.nextTimer
	e.w.effects = append(e.w.effects, effect{kind: effTimer, timer: id, d: d, msg: tag})
	return id
}

func (e *nodeEnv) StopTimer(id node.TimerID) {
	e.check()
	e.w.effects = append(e.w.effects, effect{kind: effStop, timer: id})
}

func (e *nodeEnv) Disk() node.Disk { e.check(); return diskHandle{e} }

func (e *nodeEnv) Compute(d time.Duration) {
	e.check()
	if d > 0 {
		e.w.cost += d
	}
}

func (e *nodeEnv) Logf(format string, args ...any) {
	e.check()
	if e.w.cfg.Trace != nil {
		e.w.trace(Record{Kind: "log", Node: e.n.name, Detail: e.w.names(fmt.Sprintf(format, args...))})
	}
}

func (e *nodeEnv) Mark(m node.Mark) {
	if e.w.cover != nil {
		e.check()
		e.w.mark(e.n, m)
	}
}

// commit applies effects in program order as of virtual time at.
func (w *World) commit(n *nodeState, effects []effect, at time.Duration) {
	for i := range effects {
		ef := &effects[i]
		switch ef.kind {
		case effSend:
			w.send(n, ef.to, ef.msg, at)
		case effTimer:
			n.timers[ef.timer] = struct{}{}
			d := ef.d
			if n.drift != 0 {
				// Rounded up: a timer of 1 ns on a fast clock would
				// otherwise fire at the very instant it was set, and a
				// node that waits for its clock to pass a point would
				// set it again, for ever.
				d = time.Duration(math.Ceil(float64(d) / (1 + n.drift)))
			}
			w.hash(uint64(effTimer), uint64(ef.timer), uint64(d))
			if w.cfg.Trace != nil {
				w.trace(Record{Kind: "timer", Node: n.name, ID: uint64(ef.timer), Detail: fmt.Sprintf("set timer %d for %v: %s", ef.timer, ef.d, w.summarize(ef.msg))})
			}
			w.push(at+d, event{kind: evTimeout, node: n.id, inc: n.inc, timer: ef.timer, msg: ef.msg})
		case effStop:
			delete(n.timers, ef.timer)
		case effDisk:
			n.disk.commit(ef.op)
			n.stats.DiskWrites++
			n.stats.DiskBytes += int64(len(ef.op.data))
			w.hash(uint64(effDisk), uint64(ef.op.kind), uint64(len(ef.op.data)))
			if w.cfg.Trace != nil {
				w.trace(Record{Kind: "disk", Node: n.name, Detail: fmt.Sprintf("%s %s, %d bytes", opNames[ef.op.kind], ef.op.name, len(ef.op.data))})
			}
		case effSync:
			n.disk.sync()
			n.stats.DiskSyncs++
			w.hash(uint64(effSync))
			if w.cfg.Trace != nil {
				w.trace(Record{Kind: "sync", Node: n.name})
			}
		case effSyncFile:
			n.disk.syncFile(ef.op.name)
			n.stats.DiskSyncs++
			w.hash(uint64(effSyncFile), node.HashString(ef.op.name))
			if w.cfg.Trace != nil {
				w.trace(Record{Kind: "sync", Node: n.name, Detail: "sync " + ef.op.name})
			}
		}
		ef.msg = nil
		ef.op = diskOp{}
	}
}
