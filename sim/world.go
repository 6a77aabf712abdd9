package sim

import (
	"fmt"
	"math/bits"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

type evKind uint8

const (
	evStart evKind = iota
	evRecv
	evTimeout
	evCall
	evCommit // the end of a handler's CPU time: its effects take place
)

// event is the payload of a queued item.
type event struct {
	kind  evKind
	node  node.ID
	from  node.ID
	inc   uint32 // incarnation of node the event belongs to (start, timeout)
	size  int32
	timer node.TimerID // a timeout's timer; a receive's message number (Record.ID)
	msg   any          // message, timer tag, or restart flag
	fn    func()
	label string
}

// World is one simulated run. It is not safe for concurrent use: one
// goroutine drives it, which is the point.
type World struct {
	seed uint64
	cfg  Config

	now    time.Duration
	queue  queue
	slab   []event
	free   []int32
	seq    uint64
	sched  *node.Rand
	faults *node.Rand

	nodes  []*nodeState
	byName map[string]node.ID
	net    *Network

	running *nodeEnv   // env of the handler being run, nil between handlers
	booting *nodeState // node whose factory is being run
	effects []effect
	cost    time.Duration // CPU charged by the running handler
	recv    node.Recv     // reused event values: delivery allocates nothing
	timeout node.Timeout
	start   node.Start

	gob   *gobPipe  // strict mode's encoder and decoder
	sizes typeCache // types of messages sized lately

	observers []observer
	stepNode  node.ID // the node the current event is at; node.None for a world action
	failure   *Failure
	events    int64
	sends     uint64 // messages sent, which numbers them in the trace
	fp        uint64
	rate      rateWatch
	pct       *pct                    // the PCT strategy's state; nil under Random
	cover     *coverage               // marks reached; nil unless Config.Coverage
	typeNames map[reflect.Type]string // message type names for trace records, made once each
}

type observer struct {
	name  string
	check func() error
	nodes []bool // by node ID: run only after events at these; nil: after every event
}

// New returns an empty World whose every random draw derives from seed.
func New(seed uint64, cfg Config) *World {
	if cfg.MaxTime == 0 {
		cfg.MaxTime = defaultMaxTime
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = defaultMaxEvents
	}
	link := DefaultLink
	if cfg.Link != nil {
		link = *cfg.Link
	}
	w := &World{
		seed:   seed,
		cfg:    cfg,
		sched:  node.NewRand(node.Mix(seed, node.HashString("sched"))),
		faults: node.NewRand(node.Mix(seed, node.HashString("faults"))),
		byName: map[string]node.ID{},
		fp:     0xcbf29ce484222325 ^ seed,
	}
	w.net = newNetwork(w, link)
	w.rate.next = livelockWindow
	if cfg.Coverage {
		w.cover = &coverage{}
	}
	if cfg.Strategy.Kind == PCT {
		w.pct = newPCT(seed, cfg.Strategy)
		w.hash(uint64(PCT), uint64(w.pct.depth), uint64(w.pct.step))
	}
	registerWorld(w)
	return w
}

// Seed is the seed the World was made with.
func (w *World) Seed() uint64 { return w.seed }

// Now is the virtual time: how long the run has lasted.
func (w *World) Now() time.Duration { return w.now }

// Handling names the node whose handler is running and, while it handles
// a message, the message's sender; both are empty between handlers (in a
// world action, say). A history recorder uses it to say which client
// issued an operation and which server answered it (see
// scenarios.NewRecorder).
func (w *World) Handling() (nodeName, from string) {
	if w.running == nil {
		return "", ""
	}
	nodeName = w.running.n.name
	if w.recv.Msg != nil {
		from = w.Name(w.recv.From)
	}
	return nodeName, from
}

// Net is the World's network, for links and partitions.
func (w *World) Net() *Network { return w.net }

// Stream returns a random stream named by label and derived from the seed,
// independent of every other stream: for workloads, fault schedules, anything
// a scenario draws.
func (w *World) Stream(label string) *node.Rand {
	return node.NewRand(node.Mix(w.seed, node.HashString("stream:"+label)))
}

// AddNode adds a node built by f and delivers its Start event now. Names must
// be unique; the empty name means the default, "n<ID>".
func (w *World) AddNode(name string, f node.Factory) node.ID {
	id := node.ID(len(w.nodes))
	if name == "" {
		name = id.String()
	}
	if _, dup := w.byName[name]; dup {
		panic(fmt.Sprintf("sim: two nodes named %q", name))
	}
	n := &nodeState{
		id:      id,
		name:    name,
		factory: f,
		disk:    newDisk(),
		netRand: node.NewRand(node.Mix(w.seed, node.HashString("net"), uint64(id))),
	}
	w.nodes = append(w.nodes, n)
	w.byName[name] = id
	w.net.grow(len(w.nodes))
	if w.pct != nil {
		w.pct.add()
	}
	w.boot(n, false)
	return id
}

// Lookup returns the ID of the node with the given name.
func (w *World) Lookup(name string) (node.ID, bool) {
	id, ok := w.byName[name]
	return id, ok
}

// Name returns a node's name.
func (w *World) Name(id node.ID) string {
	if id < 0 || int(id) >= len(w.nodes) {
		return id.String()
	}
	return w.nodes[id].name
}

// Nodes returns every node's ID in the order they were added.
func (w *World) Nodes() []node.ID {
	ids := make([]node.ID, len(w.nodes))
	for i := range ids {
		ids[i] = node.ID(i)
	}
	return ids
}

// Handler returns the running handler of a node, nil while it is down.
// Observers and scenarios use it to inspect a node's state.
func (w *World) Handler(id node.ID) node.Handler { return w.node(id).handler }

// Up reports whether a node is running (crashed nodes are down; paused ones
// are up).
func (w *World) Up(id node.ID) bool { return w.node(id).up }

func (w *World) node(id node.ID) *nodeState {
	if id < 0 || int(id) >= len(w.nodes) {
		panic(fmt.Sprintf("sim: no node %v", id))
	}
	return w.nodes[id]
}

// Observe registers a check run after every event. The first error stops
// the run with an invariant failure naming the check.
func (w *World) Observe(name string, check func() error) {
	w.observers = append(w.observers, observer{name: name, check: check})
}

// ObserveNodes registers a check of state that only the nodes ids change
// (a Raft group's logs, say): it runs after every event at one of them and
// after every world action (a fault, a scenario's step), and is skipped
// after events elsewhere. A run of many groups then checks each group
// after its own events only, rather than every group after every event.
func (w *World) ObserveNodes(name string, ids []node.ID, check func() error) {
	mask := make([]bool, len(w.nodes))
	for _, id := range ids {
		for int(id) >= len(mask) {
			mask = append(mask, false)
		}
		mask[id] = true
	}
	w.observers = append(w.observers, observer{name: name, check: check, nodes: mask})
}

// At runs fn at virtual time t (or now, if t has passed) as an event of its
// own, labelled in the trace. Fault schedules are built on it.
func (w *World) At(t time.Duration, label string, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.push(t, event{kind: evCall, node: node.None, fn: fn, label: label})
}

// AtFirst runs fn at virtual time t (or now, if t has passed) before every
// other event of that instant, after the AtFirst actions scheduled for it
// earlier: in the order of the AtFirst calls. It draws nothing from the
// seed, so scheduling an action long before its time or at its time makes
// no difference to the run. Fault schedules are applied with it, which is
// what lets a schedule applied in advance replay faults a script injected
// as it went.
func (w *World) AtFirst(t time.Duration, label string, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.pushKey(t, keyFirst, event{kind: evCall, node: node.None, fn: fn, label: label})
}

// Queue keys below the seed-drawn ones: keyFirst orders AtFirst actions
// before everything else of their instant, keyInOrder requeued events
// (held by a busy CPU, a clog, a pause) in the order they arrived. A drawn
// key is 0 or 1 with probability 2^-63.
const (
	keyFirst   = 0
	keyInOrder = 1
)

// After runs fn after d of virtual time; see At.
func (w *World) After(d time.Duration, label string, fn func()) { w.At(w.now+d, label, fn) }

// Err returns the failure that stopped the run as an error, or nil: a nil
// interface when the run has not failed, so c.Must(w.Err()) and
// if err := w.Err(); err != nil are right as written. Failure gives the
// same value typed.
func (w *World) Err() error {
	if w.failure == nil {
		return nil
	}
	return w.failure
}

// Failure returns the failure that stopped the run, or nil.
func (w *World) Failure() *Failure { return w.failure }

// Fingerprint is a 64-bit hash of every event and effect so far. Two runs
// with the same seed, configuration and code have the same fingerprint.
func (w *World) Fingerprint() uint64 { return w.fp }

// Events is the number of events handled so far.
func (w *World) Events() int64 { return w.events }

// Pending is the number of events in the queue.
func (w *World) Pending() int { return w.queue.len() }

func (w *World) push(at time.Duration, ev event) {
	w.pushKey(at, w.eventKey(&ev), ev)
}

func (w *World) pushKey(at time.Duration, key uint64, ev event) {
	var slot int32
	if k := len(w.free); k > 0 {
		slot = w.free[k-1]
		w.free = w.free[:k-1]
		w.slab[slot] = ev
	} else {
		slot = int32(len(w.slab))
		w.slab = append(w.slab, ev)
	}
	w.seq++
	w.queue.push(item{at: at, key: key, seq: w.seq, slot: slot})
}

func (w *World) release(slot int32) {
	w.slab[slot] = event{}
	w.free = append(w.free, slot)
}

// hash folds values into the fingerprint.
func (w *World) hash(vals ...uint64) {
	h := w.fp
	for _, v := range vals {
		h = bits.RotateLeft64((h^v)*0x9e3779b97f4a7c15, 29) * 0xbf58476d1ce4e5b9
	}
	w.fp = h
}

// Step handles the next event. It returns false when the queue is empty or
// the run has failed.
func (w *World) Step() bool {
	if w.failure != nil || w.queue.len() == 0 {
		return false
	}
	if w.events >= w.cfg.MaxEvents {
		w.fail(&Failure{Kind: Budget, Msg: fmt.Sprintf("event budget of %d events exhausted (raise Config.MaxEvents, or look for a livelock)", w.cfg.MaxEvents)})
		return false
	}
	if at := w.queue.peek().at; at > w.cfg.MaxTime {
		w.fail(&Failure{Kind: Budget, Msg: fmt.Sprintf("virtual-time budget of %v exhausted (raise Config.MaxTime)", w.cfg.MaxTime)})
		return false
	}
	it := w.queue.pop()
	w.now = it.at
	w.stepNode = node.None
	if w.pct != nil {
		if ev := &w.slab[it.slot]; ev.kind != evCall && w.pct.handling(w.now, ev.node) {
			w.hash(uint64(w.now), 0x9c7, uint64(ev.node))
			w.Logf("pct: change point %d drops %s to priority %d", w.pct.dropped, w.nodes[ev.node].name, w.pct.depth-w.pct.dropped)
		}
	}
	w.dispatch(it)
	if w.events >= w.rate.next {
		w.checkRate()
	}
	if w.failure == nil {
		for _, o := range w.observers {
			if o.nodes != nil && w.stepNode != node.None && (int(w.stepNode) >= len(o.nodes) || !o.nodes[w.stepNode]) {
				continue // not one of its nodes
			}
			if err := o.check(); err != nil {
				w.fail(&Failure{Kind: Invariant, Msg: fmt.Sprintf("%s: %v", o.name, err)})
				break
			}
		}
	}
	return w.failure == nil
}

// RunFor handles every event due within d from now, then advances the clock
// to now+d. It returns the failure that stopped the run, if any.
func (w *World) RunFor(d time.Duration) error {
	end := w.now + d
	for w.failure == nil && w.queue.len() > 0 && w.queue.peek().at <= end {
		w.Step()
	}
	if w.failure != nil {
		return w.failure
	}
	if end > w.now {
		w.now = end
	}
	return nil
}

// RunUntil handles events until cond holds (checked before the first and
// after every event). It returns a liveness failure when limit of virtual
// time passes first, or when no events are left while cond is still false:
// nothing can ever make it true. That failure does not stop the World (Err
// stays nil): the caller decides whether it ends the run, and may go on to
// check what state the system was left in.
func (w *World) RunUntil(cond func() bool, limit time.Duration, what string) error {
	deadline := w.now + limit
	for {
		if w.failure != nil {
			return w.failure
		}
		if cond() {
			return nil
		}
		if w.queue.len() == 0 {
			return &Failure{Kind: Liveness, Time: w.now, Seed: w.seed, Event: w.events,
				Msg: fmt.Sprintf("no events left while waiting for %s", what)}
		}
		if w.queue.peek().at > deadline {
			w.now = deadline
			return &Failure{Kind: Liveness, Time: w.now, Seed: w.seed, Event: w.events,
				Msg: fmt.Sprintf("%s did not happen within %v", what, limit)}
		}
		w.Step()
	}
}

func (w *World) fail(f *Failure) {
	if w.failure != nil {
		return
	}
	f.Time = w.now
	f.Seed = w.seed
	f.Event = w.events
	f.Msg = w.names(f.Msg)
	w.failure = f
	w.trace(Record{Kind: "failure", Node: f.Node, Detail: f.Msg})
}

// Logf records a world-level line in the trace (a scenario's or a fault's
// note); it costs nothing when tracing is off.
func (w *World) Logf(format string, args ...any) {
	if w.cfg.Trace != nil {
		w.trace(Record{Kind: "log", Detail: w.names(fmt.Sprintf(format, args...))})
	}
}

// Fail stops the run with a failure raised by a scenario's own check.
func (w *World) Fail(kind FailureKind, format string, args ...any) {
	w.fail(&Failure{Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

// dispatch delivers one popped event.
func (w *World) dispatch(it item) {
	ev := &w.slab[it.slot]
	if ev.kind == evCall {
		w.events++
		w.hash(uint64(w.now), uint64(evCall), node.HashString(ev.label))
		w.trace(Record{Kind: "fault", Detail: ev.label})
		fn, label := ev.fn, ev.label
		w.release(it.slot)
		w.callWorld(label, fn)
		return
	}
	n := w.nodes[ev.node]
	w.stepNode = n.id
	if !n.up {
		if ev.kind == evRecv {
			w.drop(ev, "receiver down")
		}
		w.release(it.slot)
		return
	}
	if ev.kind != evRecv && ev.inc != n.inc {
		w.release(it.slot) // a timer or start of an earlier incarnation
		return
	}
	if n.paused {
		n.held = append(n.held, it.slot)
		return
	}
	if ev.kind == evCommit {
		w.release(it.slot)
		n.commitPending = false
		w.commit(n, n.inflight, w.now)
		n.inflight = n.inflight[:0]
		return
	}
	if n.busyUntil > w.now || n.commitPending {
		// Busy: handle it when the CPU is free, after what arrived
		// before it (keyInOrder falls back to insertion order).
		w.pushSlot(max(n.busyUntil, w.now), keyInOrder, it.slot)
		return
	}
	if ev.kind == evRecv && !n.started {
		// Start is the first event of every incarnation: a message that
		// arrives at the instant of a restart, ahead of the Start by its
		// key, waits for it.
		n.early = append(n.early, it.slot)
		return
	}
	switch ev.kind {
	case evRecv:
		if w.net.blocked(ev.from, ev.node) {
			w.drop(ev, "partitioned")
			w.release(it.slot)
			return
		}
		if until := w.net.clogUntil(ev.from, ev.node); until > w.now {
			w.pushSlot(until, keyInOrder, it.slot) // released in arrival order
			return
		}
		w.recv = node.Recv{From: ev.from, Msg: ev.msg}
		if w.rate.sampling {
			w.countFlow(ev.from, ev.node, ev.msg)
		}
		n.stats.Delivered++
		n.stats.BytesDelivered += int64(ev.size)
		w.hash(uint64(w.now), uint64(evRecv), uint64(ev.node), uint64(ev.from), uint64(ev.size))
		if w.cfg.Trace != nil {
			w.trace(Record{Kind: "recv", Node: n.name, Peer: w.Name(ev.from), ID: uint64(ev.timer), Detail: w.summarize(ev.msg),
				MsgType: w.typeName(ev.msg)})
		}
		w.release(it.slot)
		w.run(n, &w.recv)
		w.recv = node.Recv{}
	case evTimeout:
		if _, live := n.timers[ev.timer]; !live {
			w.release(it.slot)
			return
		}
		delete(n.timers, ev.timer)
		if w.rate.sampling {
			w.countFlow(ev.node, node.None, ev.msg)
		}
		w.timeout = node.Timeout{ID: ev.timer, Tag: ev.msg}
		w.hash(uint64(w.now), uint64(evTimeout), uint64(ev.node), uint64(ev.timer))
		if w.cfg.Trace != nil {
			w.trace(Record{Kind: "timeout", Node: n.name, ID: uint64(ev.timer), Detail: fmt.Sprintf("timer %d %s", ev.timer, w.summarize(ev.msg))})
		}
		w.release(it.slot)
		w.run(n, &w.timeout)
		w.timeout = node.Timeout{}
	case evStart:
		restarted := ev.msg == true
		w.start = node.Start{Restarted: restarted}
		w.hash(uint64(w.now), uint64(evStart), uint64(ev.node), uint64(n.inc))
		if w.cfg.Trace != nil {
			w.trace(Record{Kind: "start", Node: n.name, Detail: fmt.Sprintf("incarnation %d restarted=%v", n.inc, restarted)})
		}
		w.release(it.slot)
		n.started = true
		for _, slot := range n.early {
			w.pushSlot(w.now, keyInOrder, slot)
		}
		n.early = n.early[:0]
		w.run(n, &w.start)
	}
}

// pushSlot requeues an event that is already in the slab.
func (w *World) pushSlot(at time.Duration, key uint64, slot int32) {
	w.seq++
	w.queue.push(item{at: at, key: key, seq: w.seq, slot: slot})
}

// run calls a node's handler, recovers a panic into a failure and commits
// the effects, or a prefix of them when an in-handler crash is armed.
func (w *World) run(n *nodeState, ev node.Event) { w.runCall(n, ev, nil) }

// runCall runs Handle(ev), or fn when it is not nil, as one handler call.
func (w *World) runCall(n *nodeState, ev node.Event, fn func(node.Env)) {
	w.events++
	n.stats.Events++
	w.effects = w.effects[:0]
	w.cost = w.cfg.CPU.PerEvent
	w.running = n.env
	ok, refusal := w.call(n, ev, fn)
	w.running = nil
	if refusal != nil {
		w.refuse(n, refusal)
		return
	}
	if !ok {
		return
	}
	effects := w.effects
	if w.cfg.CPU.Enabled && w.cost > 0 && !n.crashMid {
		// The handler runs until now+cost: its effects take place then,
		// unless the node crashes first (see crash).
		n.busyUntil = w.now + w.cost
		n.inflight = append(n.inflight[:0], effects...)
		n.commitPending = true
		w.pushKey(n.busyUntil, keyInOrder, event{kind: evCommit, node: n.id, inc: n.inc})
		return
	}
	at := w.now
	if n.crashMid {
		cut := w.faults.IntN(len(effects) + 1)
		w.hash(uint64(cut))
		w.trace(Record{Kind: "crash", Node: n.name, Detail: fmt.Sprintf("inside the handler, after %d of %d effects", cut, len(effects))})
		w.commit(n, effects[:cut], at)
		w.crash(n)
		return
	}
	w.commit(n, effects, at)
}

// callWorld runs a scheduled world action (a fault, a scenario's step),
// turning a panic into a failure.
func (w *World) callWorld(label string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			w.fail(&Failure{Kind: Panic, Msg: fmt.Sprintf("scheduled action %q panicked: %v", label, r), Stack: string(debug.Stack())})
		}
	}()
	fn()
}

// call runs one handler call. A panic fails the run, except a refusal
// (node.Refuse), which call returns for runCall to take the node down.
func (w *World) call(n *nodeState, ev node.Event, fn func(node.Env)) (ok bool, refusal *node.Damage) {
	defer func() {
		if r := recover(); r != nil {
			if d, isDamage := r.(*node.Damage); isDamage {
				refusal = d
				return
			}
			w.fail(&Failure{Kind: Panic, Node: n.name, Msg: fmt.Sprint(r), Stack: string(debug.Stack())})
		}
	}()
	if fn != nil {
		fn(n.env)
	} else {
		n.handler.Handle(n.env, ev)
	}
	return true, nil
}

// Invoke runs fn inside node id as one handler call: fn gets the node's
// Env, its effects are recorded and take place as a handler's do (the CPU
// model and an armed in-handler crash included), and a panic fails the run.
// It is how a scenario plays a local client of a node, calling raft.Start
// on a server, say, without a message. Invoke returns false and does
// nothing when the node is down, paused or busy with its CPU, or the run
// has failed; calling it from inside a handler panics.
func (w *World) Invoke(id node.ID, label string, fn func(env node.Env)) bool {
	n := w.node(id)
	if w.running != nil {
		panic("sim: World.Invoke called from inside a handler")
	}
	if w.failure != nil || !n.up || n.paused || n.busyUntil > w.now || n.commitPending {
		return false
	}
	w.hash(0x1a40c, uint64(id), node.HashString(label))
	w.trace(Record{Kind: "invoke", Node: n.name, Detail: label})
	w.runCall(n, nil, fn)
	return true
}

// boot starts a new incarnation of n and queues its Start event.
func (w *World) boot(n *nodeState, restarted bool) {
	n.inc++
	n.up = true
	n.started = false
	n.paused = false
	n.nextTimer = 0
	n.timers = map[node.TimerID]struct{}{}
	n.env = &nodeEnv{w: w, n: n, rand: node.NewRand(node.Mix(w.seed, node.HashString("node"), uint64(n.id), uint64(n.inc)))}
	n.refusal = nil
	n.disk.reopen()
	n.cryptoRand = nil
	w.booting = n // crypto/rand reads of the factory are the node's
	func() {
		defer func() { w.booting = nil }()
		n.handler = n.factory()
	}()
	w.push(w.now, event{kind: evStart, node: n.id, inc: n.inc, msg: restarted})
}
