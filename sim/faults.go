package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Crash stops a node between events: its handler's memory and pending
// timers are gone, events queued for it are lost, and its disk keeps what
// DiskConfig says survives. Crashing a node that is down does nothing.
func (w *World) Crash(id node.ID) {
	n := w.node(id)
	if w.running != nil {
		panic("sim: World.Crash called from inside a handler; arm World.CrashMid, or schedule the crash with World.At")
	}
	if n.up {
		w.crash(n)
	}
}

// CrashMid arms a crash inside the node's next handler call: the call runs,
// a random prefix of its effects (sends, timers, disk writes, syncs) takes
// place, then the node crashes as in Crash.
func (w *World) CrashMid(id node.ID) {
	n := w.node(id)
	if n.up {
		n.crashMid = true
		w.hash(0xc3a5, uint64(id))
		w.trace(Record{Kind: "fault", Node: n.name, Detail: "armed a crash inside the next handler call"})
	}
}

// Disarm cancels a crash armed by CrashMid that has not happened yet.
func (w *World) Disarm(id node.ID) {
	n := w.node(id)
	if n.crashMid {
		n.crashMid = false
		w.hash(0xd15a, uint64(id))
		w.trace(Record{Kind: "fault", Node: n.name, Detail: "disarmed the crash inside the next handler call"})
	}
}

func (w *World) crash(n *nodeState) {
	kept, torn := w.takeDown(n)
	n.stats.Crashes++
	w.hash(0xc4a5, uint64(n.id), uint64(kept))
	w.trace(Record{Kind: "crash", Node: n.name, Detail: fmt.Sprintf("disk kept %d unsynced writes, torn=%v", kept, torn)})
}

// takeDown stops a running node: its memory, timers and held events are
// gone and its disk keeps what a crash keeps.
func (w *World) takeDown(n *nodeState) (kept int, torn bool) {
	if n.commitPending {
		// The node dies during a handler's CPU time: like a crash inside
		// the handler, a random prefix of its effects took place.
		cut := w.faults.IntN(len(n.inflight) + 1)
		w.hash(0xc9c, uint64(cut))
		w.trace(Record{Kind: "crash", Node: n.name, Detail: fmt.Sprintf("during the handler's CPU time, after %d of %d effects", cut, len(n.inflight))})
		w.commit(n, n.inflight[:cut], w.now)
		clear(n.inflight)
		n.inflight = n.inflight[:0]
		n.commitPending = false
	}
	n.up = false
	n.crashMid = false
	n.paused = false
	n.busyUntil = 0
	if n.env != nil {
		n.env.n = &nodeState{id: n.id, name: n.name} // a kept Env now fails its check; Self still answers its own ID
	}
	discard(n.handler)
	n.handler = nil
	n.env = nil
	n.timers = nil
	for _, slot := range n.held {
		if ev := &w.slab[slot]; ev.kind == evRecv {
			w.drop(ev, "receiver crashed")
		}
		w.release(slot)
	}
	n.held = nil
	for _, slot := range n.early {
		w.drop(&w.slab[slot], "receiver crashed")
		w.release(slot)
	}
	n.early = nil
	return n.disk.crash(w.faults, w.cfg.Disk)
}

// refuse takes down a node whose handler refused to run over damaged
// durable state (node.Refuse): the call's effects are dropped and the node
// stays down until restarted, which boots it over the same disk again. A
// refusal over a disk this World never damaged is a false diagnosis, and
// so a failure: a torn tail taken for damage would keep a healthy node down
// for ever.
func (w *World) refuse(n *nodeState, d *node.Damage) {
	n.refusal = d
	n.stats.Refusals++
	w.hash(0x5ef05e, uint64(n.id), node.HashString(d.Error()))
	w.trace(Record{Kind: "refuse", Node: n.name, Detail: d.Error()})
	if len(n.damaged) == 0 {
		w.fail(&Failure{Kind: Refusal, Node: n.name,
			Msg: fmt.Sprintf("refused to start, but nothing damaged its disk (only crashes and torn unsynced writes did): %v", d)})
	}
	w.takeDown(n)
}

// Refusal is the diagnosis of node id's last incarnation if it refused to
// start over damaged state (node.Refuse) and has not booted since, or nil.
func (w *World) Refusal(id node.ID) *node.Damage { return w.node(id).refusal }

// Restart starts a new incarnation of a node from its factory over the same
// disk; its first event is Start{Restarted: true}. Restarting a running node
// crashes it first.
func (w *World) Restart(id node.ID) {
	n := w.node(id)
	if w.running != nil {
		panic("sim: World.Restart called from inside a handler; schedule it with World.At")
	}
	if n.up {
		w.crash(n)
	}
	n.stats.Restarts++
	w.trace(Record{Kind: "restart", Node: n.name})
	w.boot(n, true)
}

// Pause freezes a running node, like a long GC pause or a stopped VM: events
// for it queue up, and it handles them in arrival order when resumed.
func (w *World) Pause(id node.ID) {
	n := w.node(id)
	if !n.up || n.paused {
		return
	}
	n.paused = true
	w.hash(0x9a05e, uint64(id))
	w.trace(Record{Kind: "pause", Node: n.name})
}

// Resume unfreezes a paused node.
func (w *World) Resume(id node.ID) {
	n := w.node(id)
	if !n.paused {
		return
	}
	n.paused = false
	w.hash(0x4e5, uint64(id), uint64(len(n.held)))
	w.trace(Record{Kind: "resume", Node: n.name, Detail: fmt.Sprintf("%d events held", len(n.held))})
	for _, slot := range n.held {
		w.pushSlot(w.now, keyInOrder, slot) // in arrival order, by sequence
	}
	n.held = n.held[:0]
}

// Paused reports whether a node is paused.
func (w *World) Paused(id node.ID) bool { return w.node(id).paused }

// SetClock sets a node's clock: from now on it reads skew ahead of virtual
// time (behind, if negative) and gains drift seconds per second after that,
// so a timer of local duration d fires after d/(1+drift) of virtual time.
// drift must be greater than -1.
func (w *World) SetClock(id node.ID, skew time.Duration, drift float64) {
	if drift <= -1 {
		panic(fmt.Sprintf("sim: clock drift %v would stop or reverse the clock", drift))
	}
	n := w.node(id)
	n.skew = skew - time.Duration(float64(w.now)*drift)
	n.drift = drift
	w.hash(0x5ce3, uint64(id), uint64(skew), math.Float64bits(drift))
	w.trace(Record{Kind: "clock", Node: n.name, Detail: fmt.Sprintf("skew %v drift %v", skew, drift)})
}

// Clock returns a node's reading of its clock now.
func (w *World) Clock(id node.ID) time.Duration { return w.node(id).localTime(w.now) }

// DiskConfig is the crash behaviour of every node's disk now.
func (w *World) DiskConfig() DiskConfig { return w.cfg.Disk }

// SetDiskConfig changes the crash behaviour of every node's disk from now on.
func (w *World) SetDiskConfig(cfg DiskConfig) {
	w.cfg.Disk = cfg
	w.hash(0xd15c, b2u(cfg.Torn), b2u(cfg.KeepUnsynced))
	w.trace(Record{Kind: "fault", Detail: fmt.Sprintf("disk torn=%v keep-unsynced=%v", cfg.Torn, cfg.KeepUnsynced)})
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// discard tells a handler thrown away, or what it wraps, that it is.
func discard(h node.Handler) {
	for h != nil {
		if d, ok := h.(node.Discarder); ok {
			d.Discard()
			return
		}
		u, ok := h.(interface{ Unwrap() node.Handler })
		if !ok {
			return
		}
		h = u.Unwrap()
	}
}

// Close discards every running node's handler (node.Discarder): the run is
// over. The World must not run again.
func (w *World) Close() {
	for _, n := range w.nodes {
		if n.up {
			discard(n.handler)
		}
	}
}
