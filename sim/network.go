package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Network is the World's network: link behaviour, partitions and clogs.
// Partition shapes replace whatever partition was in force; Cut and
// CutOneWay add to it; Heal removes every cut and clog.
//
// A message is checked against partitions twice, when it is sent and when
// it would be delivered: a message in flight when a cut begins is lost.
// Messages to a crashed node are lost; messages sent by an earlier
// incarnation of a node may still arrive after it restarts.
//
// Per-link state is kept sparse, by link, so a world of thousands of nodes
// costs no n×n tables: only the links a fault touched take room, and a
// send checks a map only while some link has an override, a cut or a clog.
type Network struct {
	w     *World
	def   LinkConfig
	n     int                       // nodes
	links map[linkKey]*LinkConfig   // overrides; absent means def
	cut   map[linkKey]struct{}      // links that drop every message
	clog  map[linkKey]time.Duration // held until this virtual time
	// disconnected marks nodes cut off by Disconnect.
	disconnected []bool
	// typeFaults holds what the network does to messages of a type, by
	// type name (SetTypeFault).
	typeFaults map[string]TypeFault
}

// linkKey names the directed link from → to.
type linkKey uint64

func link(from, to node.ID) linkKey { return linkKey(uint64(uint32(from))<<32 | uint64(uint32(to))) }

func newNetwork(w *World, def LinkConfig) *Network {
	if err := def.Validate(); err != nil {
		panic(err)
	}
	return &Network{w: w, def: def, links: map[linkKey]*LinkConfig{}, cut: map[linkKey]struct{}{}, clog: map[linkKey]time.Duration{}}
}

func (nw *Network) grow(n int) {
	nw.n = n
	for len(nw.disconnected) < n {
		nw.disconnected = append(nw.disconnected, false)
	}
}

// Default is the behaviour of every link without an override.
func (nw *Network) Default() LinkConfig { return nw.def }

// SetDefault changes the behaviour of every link without an override.
func (nw *Network) SetDefault(l LinkConfig) {
	if err := l.Validate(); err != nil {
		panic(err)
	}
	nw.def = l
	nw.hashLink(l)
	nw.traceNet("default", nil, fmt.Sprintf("default link %+v", l))
}

// SetLink overrides the behaviour of the directed link from → to.
func (nw *Network) SetLink(from, to node.ID, l LinkConfig) {
	if err := l.Validate(); err != nil {
		panic(err)
	}
	nw.w.node(from)
	nw.w.node(to)
	nw.links[link(from, to)] = &l
	nw.w.hash(0x5e71, uint64(from), uint64(to))
	nw.hashLink(l)
}

func (nw *Network) hashIDs(ids []node.ID) {
	nw.w.hash(uint64(len(ids)))
	for _, id := range ids {
		nw.w.hash(uint64(id))
	}
}

func (nw *Network) hashLink(l LinkConfig) {
	nw.w.hash(uint64(l.LatencyMin), uint64(l.LatencySpread), uint64(l.TailMean), uint64(l.TailMax),
		math.Float64bits(l.TailProb), math.Float64bits(l.Loss), math.Float64bits(l.Dup))
}

// Link is the behaviour of the directed link from → to.
func (nw *Network) Link(from, to node.ID) LinkConfig {
	if l := nw.links[link(from, to)]; l != nil {
		return *l
	}
	return nw.def
}

func (nw *Network) blocked(from, to node.ID) bool {
	if len(nw.cut) == 0 {
		return false
	}
	_, cut := nw.cut[link(from, to)]
	return cut
}

func (nw *Network) clogUntil(from, to node.ID) time.Duration {
	if len(nw.clog) == 0 {
		return 0
	}
	return nw.clog[link(from, to)]
}

// Connected reports whether from can reach to now.
func (nw *Network) Connected(from, to node.ID) bool { return !nw.blocked(from, to) }

func (nw *Network) setCut(from, to node.ID, v bool) {
	if from == to {
		return
	}
	if v {
		nw.cut[link(from, to)] = struct{}{}
	} else {
		delete(nw.cut, link(from, to))
	}
}

func (nw *Network) clearCuts() {
	clear(nw.cut)
	clear(nw.disconnected)
}

// Disconnect cuts a node off from every other node, both ways, keeping
// whatever else is cut: the classic lab's disconnect. A partition shape or
// Heal clears it, as does Connect.
func (nw *Network) Disconnect(id node.ID) {
	nw.w.node(id)
	nw.disconnected[id] = true
	for other := 0; other < nw.n; other++ {
		nw.setCut(id, node.ID(other), true)
		nw.setCut(node.ID(other), id, true)
	}
	nw.w.hash(0xd15c0, uint64(id))
	nw.traceNet("disconnect", [][]node.ID{{id}}, "disconnect "+nw.w.Name(id))
}

// Connect restores a node's links to every node that is not disconnected
// itself, undoing any cut between them.
func (nw *Network) Connect(id node.ID) {
	nw.w.node(id)
	nw.disconnected[id] = false
	for other := 0; other < nw.n; other++ {
		if !nw.disconnected[other] {
			nw.setCut(id, node.ID(other), false)
			nw.setCut(node.ID(other), id, false)
		}
	}
	nw.w.hash(0xc0ec7, uint64(id))
	nw.traceNet("connect", [][]node.ID{{id}}, "connect "+nw.w.Name(id))
}

// Disconnected reports whether a node is cut off by Disconnect.
func (nw *Network) Disconnected(id node.ID) bool { return nw.disconnected[id] }

// Heal removes every partition, cut and clog.
func (nw *Network) Heal() {
	nw.clearCuts()
	clear(nw.clog)
	nw.w.hash(0x4ea1)
	nw.traceNet("heal", nil, "heal")
}

// CutOneWay drops every message from → to, leaving to → from alone.
func (nw *Network) CutOneWay(from, to node.ID) {
	nw.setCut(from, to, true)
	nw.w.hash(0xc07, uint64(from), uint64(to))
	nw.traceNet("cut", [][]node.ID{{from}, {to}}, fmt.Sprintf("cut %s → %s", nw.w.Name(from), nw.w.Name(to)))
}

// Cut drops every message between a and b, both ways.
func (nw *Network) Cut(a, b node.ID) {
	nw.CutOneWay(a, b)
	nw.CutOneWay(b, a)
}

// Partition splits the named nodes into groups that cannot reach each
// other, replacing any earlier partition. Nodes named in no group (clients,
// say) keep reaching everyone.
func (nw *Network) Partition(groups ...[]node.ID) {
	nw.clearCuts()
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					nw.setCut(a, b, true)
				}
			}
		}
	}
	nw.w.hash(0x9a47, uint64(len(groups)))
	for _, g := range groups {
		nw.hashIDs(g)
	}
	nw.traceNet("partition", groups, "partition "+nw.groupString(groups))
}

// Isolate cuts one node off from every other node, both ways.
func (nw *Network) Isolate(id node.ID) {
	nw.clearCuts()
	for other := 0; other < nw.n; other++ {
		nw.setCut(id, node.ID(other), true)
		nw.setCut(node.ID(other), id, true)
	}
	nw.w.hash(0x1501, uint64(id))
	nw.traceNet("isolate", [][]node.ID{{id}}, "isolate "+nw.w.Name(id))
}

// Bridge splits left from right, except for the bridge node, which reaches
// both sides; the classic shape in which two would-be leaders each see a
// majority through one node.
func (nw *Network) Bridge(left, right []node.ID, bridge node.ID) {
	nw.clearCuts()
	for _, a := range left {
		for _, b := range right {
			nw.setCut(a, b, true)
			nw.setCut(b, a, true)
		}
	}
	nw.w.hash(0xb41d, uint64(bridge))
	nw.hashIDs(left)
	nw.hashIDs(right)
	nw.traceNet("bridge", [][]node.ID{left, {bridge}, right}, fmt.Sprintf("bridge %s | %s | %s",
		nw.groupString([][]node.ID{left}), nw.w.Name(bridge), nw.groupString([][]node.ID{right})))
}

// Ring lets each node of order reach only itself and its two neighbours in
// the ring (order[i-1] and order[i+1], wrapping around).
func (nw *Network) Ring(order []node.ID) {
	nw.clearCuts()
	k := len(order)
	for i, a := range order {
		for j, b := range order {
			d := (i - j + k) % k
			if d != 0 && d != 1 && d != k-1 {
				nw.setCut(a, b, true)
			}
		}
	}
	nw.w.hash(0x5135, uint64(k))
	nw.hashIDs(order)
	nw.traceNet("ring", [][]node.ID{order}, "ring "+nw.groupString([][]node.ID{order}))
}

// Clog holds every message on the link from → to for d from now: messages
// that would arrive meanwhile arrive when the clog ends.
func (nw *Network) Clog(from, to node.ID, d time.Duration) {
	until := nw.w.now + d
	if until > nw.clog[link(from, to)] {
		nw.clog[link(from, to)] = until
	}
	nw.w.hash(0xc109, uint64(from), uint64(to), uint64(d))
	nw.traceNet("clog", [][]node.ID{{from}, {to}}, fmt.Sprintf("clog %s → %s for %v", nw.w.Name(from), nw.w.Name(to), d))
}

// ClogNode clogs every link into and out of id for d.
func (nw *Network) ClogNode(id node.ID, d time.Duration) {
	for other := 0; other < nw.n; other++ {
		if node.ID(other) != id {
			nw.Clog(id, node.ID(other), d)
			nw.Clog(node.ID(other), id, d)
		}
	}
}

// traceNet records a change to the network: op and the nodes it names as
// data (see NetChange), detail for a person.
func (nw *Network) traceNet(op string, groups [][]node.ID, detail string) {
	if nw.w.cfg.Trace == nil {
		return
	}
	change := &NetChange{Op: op}
	for _, g := range groups {
		names := make([]string, len(g))
		for i, id := range g {
			names[i] = nw.w.Name(id)
		}
		change.Groups = append(change.Groups, names)
	}
	nw.w.trace(Record{Kind: "net", Detail: detail, Net: change})
}

func (nw *Network) groupString(groups [][]node.ID) string {
	s := ""
	for i, g := range groups {
		if i > 0 {
			s += " | "
		}
		for j, id := range g {
			if j > 0 {
				s += ","
			}
			s += nw.w.Name(id)
		}
	}
	return s
}

// latency draws one message's delay on a link.
func latency(l *LinkConfig, r *node.Rand) time.Duration {
	d := l.LatencyMin
	if l.LatencySpread > 0 {
		d += time.Duration(r.Uint64N(uint64(l.LatencySpread) + 1))
	}
	if l.TailProb > 0 && r.Chance(l.TailProb) {
		extra := time.Duration(r.ExpFloat64() * float64(l.TailMean))
		if l.TailMax > 0 && extra > l.TailMax {
			extra = l.TailMax
		}
		d += extra
	}
	return d
}

// send commits one Send effect of node n at virtual time at.
func (w *World) send(n *nodeState, to node.ID, msg any, at time.Duration) {
	if to < 0 || int(to) >= len(w.nodes) {
		w.fail(&Failure{Kind: Panic, Node: n.name, Msg: fmt.Sprintf("sent %T to unknown node %v", msg, to)})
		return
	}
	size := w.sizes.size(msg)
	n.stats.Sent++
	n.stats.BytesSent += int64(size)
	w.hash(uint64(effSend), uint64(to), uint64(size))
	w.sends++
	num := w.sends
	if w.cfg.Trace != nil {
		w.trace(Record{Kind: "send", Node: n.name, Peer: w.Name(to), ID: num, Detail: w.summarize(msg), MsgType: w.typeName(msg)})
	}
	if w.cfg.Strict {
		// Check every message, delivered or not, so whether strict mode
		// catches a bad message never depends on the network's draws.
		copied, err := w.roundTrip(msg)
		if err != nil {
			w.fail(&Failure{Kind: Message, Node: n.name, Msg: err.Error()})
			return
		}
		msg = copied
	}
	if w.net.blocked(n.id, to) {
		n.stats.Dropped++
		w.traceDrop(n.name, to, num, msg, "partitioned")
		return
	}
	lc := &w.net.def
	if len(w.net.links) > 0 {
		if l := w.net.links[link(n.id, to)]; l != nil {
			lc = l
		}
	}
	r := n.netRand
	if lc.Loss > 0 && r.Chance(lc.Loss) {
		n.stats.Dropped++
		w.traceDrop(n.name, to, num, msg, "lost")
		return
	}
	copies := 1
	if lc.Dup > 0 && r.Chance(lc.Dup) {
		copies = 2
		n.stats.Duplicated++
	}
	var tf TypeFault
	if len(w.net.typeFaults) > 0 {
		tf, _ = w.typeFault(msg)
		if tf.Dup > 0 && r.Chance(tf.Dup) && copies == 1 {
			copies = 2
			n.stats.Duplicated++
		}
	}
	for c := 0; c < copies; c++ {
		m := msg
		if c > 0 && w.cfg.Strict {
			m, _ = w.roundTrip(msg) // a copy of its own; msg already survived one trip
		}
		d := latency(lc, r)
		if tf.TailProb > 0 && r.Chance(tf.TailProb) {
			extra := time.Duration(r.ExpFloat64() * float64(tf.TailMean))
			if tf.TailMax > 0 && extra > tf.TailMax {
				extra = tf.TailMax
			}
			d += extra
		}
		if w.pct != nil {
			d += w.pct.delay(n.id)
		}
		w.push(at+d, event{kind: evRecv, node: to, from: n.id, msg: m, size: int32(size), timer: node.TimerID(num)})
	}
}

// drop counts a queued message that will not be delivered.
func (w *World) drop(ev *event, why string) {
	w.nodes[ev.from].stats.Dropped++
	w.hash(0xd409, uint64(ev.from), uint64(ev.node))
	w.traceDrop(w.Name(ev.from), ev.node, uint64(ev.timer), ev.msg, why)
}

func (w *World) traceDrop(from string, to node.ID, num uint64, msg any, why string) {
	if w.cfg.Trace != nil {
		w.trace(Record{Kind: "drop", Node: from, Peer: w.Name(to), ID: num, Detail: why + ": " + w.summarize(msg),
			MsgType: w.typeName(msg), Reason: why})
	}
}
