package sim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// Coverage: with Config.Coverage on, the World counts every node.Mark a
// handler reaches, and with each hit which kinds of fault were active at
// that moment. Counting draws nothing and hashes nothing: a run is the same
// run with coverage on or off. Off, Env.Mark returns at once.

// FaultKind is a kind of fault that can be active when a mark is reached.
type FaultKind uint8

const (
	FaultDown      FaultKind = iota // a node is crashed and not restarted
	FaultArmed                      // a crash inside a handler is armed
	FaultPaused                     // a node is paused
	FaultPartition                  // a link is cut (partition, isolation, one-way cut)
	FaultLoss                       // a link loses messages
	FaultDup                        // a link duplicates messages
	FaultTail                       // a link has a long-tail delay (reordering)
	FaultClog                       // a link is clogged
	FaultSkew                       // a node's clock is skewed or drifts
	FaultTorn                       // the disks keep torn writes at a crash
	FaultDamage                     // a node's synced data was damaged
	numFaultKinds
)

var faultKindNames = [numFaultKinds]string{"down", "armed", "paused", "partition", "loss", "dup", "tail", "clog", "skew", "torn", "damage"}

func (k FaultKind) String() string {
	if k < numFaultKinds {
		return faultKindNames[k]
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// FaultKinds lists the kinds in the order the coverage table shows them.
func FaultKinds() []FaultKind {
	out := make([]FaultKind, numFaultKinds)
	for i := range out {
		out[i] = FaultKind(i)
	}
	return out
}

// MarkHits is how often one mark was reached: Hits in all, Quiet of them
// with no fault active, and ByFault[k] of them while fault kind k was
// active (a hit under two kinds counts under both).
type MarkHits struct {
	Name    string
	Hits    int64
	Quiet   int64
	ByFault [numFaultKinds]int64
}

// Add adds o's counts to h.
func (h *MarkHits) Add(o MarkHits) {
	h.Hits += o.Hits
	h.Quiet += o.Quiet
	for i := range h.ByFault {
		h.ByFault[i] += o.ByFault[i]
	}
}

// String reads "name: hits (quiet q, down d, ...)" with the kinds that
// have hits.
func (h MarkHits) String() string {
	parts := []string{fmt.Sprintf("quiet %d", h.Quiet)}
	for k, n := range h.ByFault {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%v %d", FaultKind(k), n))
		}
	}
	return fmt.Sprintf("%s: %d (%s)", h.Name, h.Hits, strings.Join(parts, ", "))
}

// coverage is a World's counts, by mark ID.
type coverage struct {
	hits []MarkHits
}

func (w *World) mark(n *nodeState, m node.Mark) {
	id := m.ID()
	if id == 0 {
		return
	}
	c := w.cover
	for len(c.hits) <= id {
		c.hits = append(c.hits, MarkHits{})
	}
	h := &c.hits[id]
	h.Hits++
	active := w.activeFaults()
	if active == 0 {
		h.Quiet++
	}
	for k := FaultKind(0); k < numFaultKinds; k++ {
		if active&(1<<k) != 0 {
			h.ByFault[k]++
		}
	}
	if w.cfg.Trace != nil {
		w.trace(Record{Kind: "mark", Node: n.name, Detail: m.Info().Name})
	}
}

// activeFaults is the set of fault kinds active now, a bit per kind.
func (w *World) activeFaults() uint32 {
	var a uint32
	set := func(k FaultKind) { a |= 1 << k }
	for _, n := range w.nodes {
		if !n.up {
			set(FaultDown)
		}
		if n.crashMid {
			set(FaultArmed)
		}
		if n.paused {
			set(FaultPaused)
		}
		if n.skew != 0 || n.drift != 0 {
			set(FaultSkew)
		}
		if len(n.damaged) > 0 {
			set(FaultDamage)
		}
	}
	nw := w.net
	if len(nw.cut) > 0 {
		set(FaultPartition)
	}
	for _, d := range nw.disconnected {
		if d {
			set(FaultPartition)
			break
		}
	}
	links := func(l *LinkConfig) {
		if l.Loss > 0 {
			set(FaultLoss)
		}
		if l.Dup > 0 {
			set(FaultDup)
		}
		if l.TailProb > 0 {
			set(FaultTail)
		}
	}
	links(&nw.def)
	for _, l := range nw.links {
		links(l)
	}
	for _, f := range nw.typeFaults {
		if f.Dup > 0 {
			set(FaultDup)
		}
		if f.TailProb > 0 {
			set(FaultTail)
		}
	}
	for _, until := range nw.clog {
		if until > w.now {
			set(FaultClog)
			break
		}
	}
	if w.cfg.Disk.Torn {
		set(FaultTorn)
	}
	return a
}

// Coverage returns the counts of every mark reached so far, by name; nil
// when Config.Coverage is off.
func (w *World) Coverage() []MarkHits {
	if w.cover == nil {
		return nil
	}
	var out []MarkHits
	for id, h := range w.cover.hits {
		if h.Hits > 0 {
			h.Name = node.MarkWithID(id).Info().Name
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
