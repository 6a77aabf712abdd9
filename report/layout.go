package report

import (
	"slices"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// The page's data. Times are virtual nanoseconds; nodes are lanes, indices
// into world.Nodes; strings that repeat (message types, details) are
// indices into page.Strings. Large sets are columns, not objects, to keep
// a run of 100,000 events to a page a browser reads in a moment.
type page struct {
	Scenario string    `json:"scenario"`
	Summary  string    `json:"summary"`
	Seed     uint64    `json:"seed"`
	Options  string    `json:"options"`
	Replay   string    `json:"replay"`
	Faults   string    `json:"faults"`
	Passed   bool      `json:"passed"`
	Unknown  []string  `json:"unknown"`
	Failures []failure `json:"failures"`
	Worlds   []*world  `json:"worlds"`
	Strings  []string  `json:"strings"`
	Notes    []string  `json:"notes"`
}

type failure struct {
	Kind  string `json:"kind"`
	Msg   string `json:"msg"`
	Time  int64  `json:"time"`
	Event int64  `json:"event"`
	Node  string `json:"node"`
	World int    `json:"world"`
}

// Message fates: how a message's arrow ends.
const (
	fateDelivered = iota // at its receiver
	fateDuplicate        // a second copy, delivered
	fateLost             // the network lost it as it was sent
	fateCut              // a partition stopped it as it was sent
	fateDropped          // it reached a receiver that was down, crashed or cut off
	fateInFlight         // the run ended before it arrived
)

type world struct {
	Nodes []string `json:"nodes"`
	End   int64    `json:"end"`
	Msgs  messages `json:"msgs"`
	// Points are everything else that happens on a lane.
	Points struct {
		Node   []int    `json:"node"` // -1: the whole world
		Time   []int64  `json:"time"`
		Kind   []string `json:"kind"`
		Detail []int    `json:"detail"`
		Event  []int64  `json:"event"`
	} `json:"points"`
	Bands []band `json:"bands"`
	Ops   []op   `json:"ops"`
	Hists []hist `json:"hists"`
}

// messages are a world's messages, one entry per copy delivered or per
// message that died, in columns.
type messages struct {
	ID     []uint64 `json:"id"`
	From   []int    `json:"from"`
	To     []int    `json:"to"`
	Send   []int64  `json:"send"`
	End    []int64  `json:"end"` // delivery, death, or the end of the run
	Fate   []int    `json:"fate"`
	Type   []int    `json:"type"`
	Detail []int    `json:"detail"`
	Why    []int    `json:"why"` // why it was dropped, -1 if it was not
	Event  []int64  `json:"event"`
}

// A band is a span over lanes: a node down or paused, or the network in a
// state other than whole.
type band struct {
	Kind   string `json:"kind"` // down, paused, net
	Node   int    `json:"node"` // -1: every lane
	Start  int64  `json:"start"`
	End    int64  `json:"end"`
	Detail string `json:"detail"`
	// Groups, for a net band, gives each lane its side of a partition
	// (-1: not in any group named).
	Groups []int `json:"groups,omitempty"`
}

type op struct {
	Hist   int    `json:"hist"`
	Index  int    `json:"index"`
	Node   int    `json:"node"` // the client's lane, -1 if unknown
	Call   int64  `json:"call"`
	Return int64  `json:"ret"` // -1: never answered
	Desc   string `json:"desc"`
	Server string `json:"server"`
}

type hist struct {
	What       string      `json:"what"`
	Outcome    string      `json:"outcome"`
	Ops        int         `json:"ops"` // the history's operations are world.Ops[First:First+Ops]
	First      int         `json:"first"`
	Partitions []partition `json:"partitions"`
}

type partition struct {
	Key          string   `json:"key"`
	Ops          []int    `json:"ops"` // indices into the history's operations
	Order        []int    `json:"order"`
	States       []string `json:"states"`
	FirstIllegal int      `json:"firstIllegal"`
}

type stringTable struct {
	index map[string]int
	list  []string
}

func (t *stringTable) id(s string) int {
	if i, ok := t.index[s]; ok {
		return i
	}
	t.index[s] = len(t.list)
	t.list = append(t.list, s)
	return len(t.list) - 1
}

// layout arranges a run's trace for the page.
func layout(run Run) *page {
	p := &page{Scenario: run.Scenario, Summary: run.Summary, Seed: run.Seed, Options: run.Flags(), Replay: run.Replay,
		Faults: run.Faults, Passed: run.Passed, Unknown: run.Unknown, Notes: run.Omitted}
	strs := &stringTable{index: map[string]int{}}
	for _, f := range run.Failures {
		p.Failures = append(p.Failures, failure{Kind: string(f.Kind), Msg: f.Msg, Time: int64(f.Time), Event: f.Event, Node: f.Node, World: f.World})
	}
	nw := max(run.Worlds, 1)
	for _, r := range run.Records {
		nw = max(nw, r.World+1)
	}
	byWorld := make([][]sim.Record, nw)
	for _, r := range run.Records {
		byWorld[r.World] = append(byWorld[r.World], r)
	}
	for k, recs := range byWorld {
		p.Worlds = append(p.Worlds, layoutWorld(run, k, recs, strs))
	}
	p.Strings = strs.list
	return p
}

func layoutWorld(run Run, k int, recs []sim.Record, strs *stringTable) *world {
	w := &world{}
	// Lanes: the world's nodes in the order the run added them.
	seen := map[string]bool{}
	for _, r := range recs {
		for _, n := range []string{r.Node, r.Peer} {
			if n != "" {
				seen[n] = true
			}
		}
	}
	for _, h := range run.Histories {
		if h.World == k {
			for _, o := range h.Ops {
				if o.Node != "" {
					seen[o.Node] = true
				}
			}
		}
	}
	lane := map[string]int{}
	for _, n := range run.NodeNames() {
		if seen[n] && !slices.Contains(w.Nodes, n) {
			lane[n] = len(w.Nodes)
			w.Nodes = append(w.Nodes, n)
		}
	}
	var rest []string
	for n := range seen { //simlab:unordered sorted below
		if _, ok := lane[n]; !ok {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	for _, n := range rest {
		lane[n] = len(w.Nodes)
		w.Nodes = append(w.Nodes, n)
	}
	laneOf := func(n string) int {
		if n == "" {
			return -1
		}
		return lane[n]
	}
	for _, r := range recs {
		w.End = max(w.End, int64(r.Time))
	}
	for _, f := range run.Failures {
		if f.World == k {
			w.End = max(w.End, int64(f.Time)) // a check at the end of a quiet stretch
		}
	}
	// Messages: a send opens one, its receives and drops close copies.
	type pending struct {
		from, to    int
		send, event int64
		typ, detail int
		closed      int
	}
	open := map[uint64]*pending{}
	var order []uint64
	m := &w.Msgs
	add := func(id uint64, p *pending, end int64, fate, why int) {
		m.ID = append(m.ID, id)
		m.From = append(m.From, p.from)
		m.To = append(m.To, p.to)
		m.Send = append(m.Send, p.send)
		m.End = append(m.End, end)
		m.Fate = append(m.Fate, fate)
		m.Type = append(m.Type, p.typ)
		m.Detail = append(m.Detail, p.detail)
		m.Why = append(m.Why, why)
		m.Event = append(m.Event, p.event)
		p.closed++
	}
	point := func(r sim.Record, node int) {
		pt := &w.Points
		pt.Node = append(pt.Node, node)
		pt.Time = append(pt.Time, int64(r.Time))
		pt.Kind = append(pt.Kind, r.Kind)
		pt.Detail = append(pt.Detail, strs.id(r.Detail))
		pt.Event = append(pt.Event, r.Index)
	}
	// Lanes down or paused, since when; closeBand ends one's band.
	down := map[int]int64{}
	paused := map[int]int64{}
	closeBand := func(open map[int]int64, kind string, n int, at int64) {
		if s, ok := open[n]; ok {
			w.Bands = append(w.Bands, band{Kind: kind, Node: n, Start: s, End: at})
			delete(open, n)
		}
	}
	var net *band
	closeNet := func(at int64) {
		if net != nil {
			net.End = at
			w.Bands = append(w.Bands, *net)
			net = nil
		}
	}
	for _, r := range recs {
		t := int64(r.Time)
		switch r.Kind {
		case "send":
			p := &pending{from: laneOf(r.Node), to: laneOf(r.Peer), send: t, event: r.Index,
				typ: strs.id(r.MsgType), detail: strs.id(r.Detail)}
			open[r.ID] = p
			order = append(order, r.ID)
		case "recv":
			if p := open[r.ID]; p != nil {
				fate := fateDelivered
				if p.closed > 0 {
					fate = fateDuplicate
				}
				add(r.ID, p, t, fate, -1)
			}
		case "drop":
			p := open[r.ID]
			if p == nil { // sent before tracing began: not expected, but drawn
				p = &pending{from: laneOf(r.Node), to: laneOf(r.Peer), send: t, event: r.Index,
					typ: strs.id(r.MsgType), detail: strs.id(r.Detail)}
				open[r.ID] = p
				order = append(order, r.ID)
			}
			fate := fateDropped
			if t == p.send && p.closed == 0 {
				switch r.Reason {
				case "lost":
					fate = fateLost
				case "partitioned":
					fate = fateCut
				}
			}
			add(r.ID, p, t, fate, strs.id(r.Reason))
		case "crash":
			n := laneOf(r.Node)
			if _, ok := down[n]; !ok {
				down[n] = t
			}
			delete(paused, n)
			point(r, n)
		case "restart", "start":
			n := laneOf(r.Node)
			closeBand(down, "down", n, t)
			point(r, n)
		case "pause":
			n := laneOf(r.Node)
			paused[n] = t
			point(r, n)
		case "resume":
			n := laneOf(r.Node)
			closeBand(paused, "paused", n, t)
			point(r, n)
		case "net":
			closeNet(t)
			if b := netBand(r, t, lane, len(w.Nodes)); b != nil {
				net = b
			}
			point(r, -1)
		default:
			point(r, laneOf(r.Node))
		}
	}
	closeNet(w.End)
	for _, n := range node.SortedKeys(down) {
		closeBand(down, "down", n, w.End)
	}
	for _, n := range node.SortedKeys(paused) {
		closeBand(paused, "paused", n, w.End)
	}
	for _, id := range order {
		if p := open[id]; p.closed == 0 {
			add(id, p, w.End, fateInFlight, -1)
		}
	}
	sortMessages(m)
	for hi, h := range run.Histories {
		if h.World != k {
			continue
		}
		hv := hist{What: h.What, Outcome: string(h.Outcome), Ops: len(h.Ops), First: len(w.Ops)}
		for i, o := range h.Ops {
			ret := int64(o.Return)
			if !o.Done {
				ret = -1
			}
			node := -1
			if o.Node != "" {
				node = lane[o.Node]
			}
			w.Ops = append(w.Ops, op{Hist: hi, Index: i, Node: node, Call: int64(o.Call), Return: ret, Desc: o.Description, Server: o.AnsweredBy})
		}
		for _, pv := range h.Partitions {
			hv.Partitions = append(hv.Partitions, partition{Key: pv.Key, Ops: pv.Ops, Order: pv.Linearization, States: pv.States, FirstIllegal: pv.FirstIllegal})
		}
		w.Hists = append(w.Hists, hv)
	}
	return w
}

// netBand is the state a net record leaves the network in, from then on:
// a band over every lane, telling each its side where the change splits
// the network into sides, or nil for a whole network (heal, or a change
// of the default link).
func netBand(r sim.Record, t int64, lane map[string]int, lanes int) *band {
	b := &band{Kind: "net", Node: -1, Start: t, Detail: r.Detail}
	if r.Net == nil {
		return b
	}
	switch r.Net.Op {
	case "heal", "default", "type": // the whole network, or the rates of a type of message
		return nil
	case "partition", "ring":
		b.Groups = make([]int, lanes)
		for i := range b.Groups {
			b.Groups[i] = -1
		}
		for g, side := range r.Net.Groups {
			for _, n := range side {
				if i, ok := lane[n]; ok {
					b.Groups[i] = g
				}
			}
		}
	case "isolate", "disconnect":
		b.Groups = make([]int, lanes) // everyone on one side, the node cut off on the other
		for _, side := range r.Net.Groups {
			for _, n := range side {
				if i, ok := lane[n]; ok {
					b.Groups[i] = 1
				}
			}
		}
	}
	return b
}

// sortMessages orders the columns by send time, so the page finds what is
// in view by bisection.
func sortMessages(m *messages) {
	idx := make([]int, len(m.Send))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case m.Send[a] < m.Send[b]:
			return -1
		case m.Send[a] > m.Send[b]:
			return 1
		}
		return 0
	})
	m.ID = permute(m.ID, idx)
	m.From = permute(m.From, idx)
	m.To = permute(m.To, idx)
	m.Send = permute(m.Send, idx)
	m.End = permute(m.End, idx)
	m.Fate = permute(m.Fate, idx)
	m.Type = permute(m.Type, idx)
	m.Detail = permute(m.Detail, idx)
	m.Why = permute(m.Why, idx)
	m.Event = permute(m.Event, idx)
}

func permute[T any](s []T, idx []int) []T {
	out := make([]T, len(s))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}
