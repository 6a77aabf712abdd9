package raftwatch

import (
	"fmt"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
	"github.com/simlab-go/simlab/systems/paxoslog"
)

// Paxos is the Paxos logs (systems/paxoslog) of a service's servers, when
// the service runs on Paxos instead of Raft. Its invariant, after every
// event at one of them: what each server has applied since it was last
// looked at agrees with what every other applied at the same instances.
type Paxos struct {
	label     string
	ids       []node.ID
	logOf     func(id node.ID) *paxoslog.Log
	decided   map[int][]byte
	checkedTo map[*paxoslog.Log]int
	names     func(node.ID) string
	// SawSnapshot records that some server held a snapshot at some point.
	SawSnapshot bool
}

// WatchPaxos watches the Paxos logs that logOf finds in the servers'
// handlers (nil where a handler is not a server's, or the server is down).
func WatchPaxos(g *Group, logOf func(h node.Handler) *paxoslog.Log) *Paxos {
	p := &Paxos{label: g.label, ids: g.ids, decided: map[int][]byte{}, checkedTo: map[*paxoslog.Log]int{}, names: g.w.Name}
	p.logOf = func(id node.ID) *paxoslog.Log {
		if !g.w.Up(id) {
			return nil
		}
		return logOf(g.w.Handler(id))
	}
	g.paxos = p
	g.w.ObserveNodes(g.label+": paxos log agreement", g.ids, p.observe)
	return p
}

func (p *Paxos) observe() error {
	for _, id := range p.ids {
		l := p.logOf(id)
		if l == nil {
			continue
		}
		from, seen := p.checkedTo[l]
		if !seen {
			from = l.SnapshotIndex() - 1 // a new incarnation: from its snapshot on
		}
		p.SawSnapshot = p.SawSnapshot || l.SnapshotIndex() > 0
		for seq := from + 1; seq < l.Applied(); seq++ {
			fate, v := l.Paxos().Status(seq)
			if fate != paxos.Decided {
				continue // forgotten: every server applied it
			}
			if first, ok := p.decided[seq]; !ok {
				p.decided[seq] = v
			} else if string(first) != string(v) {
				return fmt.Errorf("%s applied instance %d as %q, another server as %q", p.names(id), seq, v, first)
			}
		}
		p.checkedTo[l] = l.Applied() - 1
	}
	return nil
}

func (p *Paxos) describe(id node.ID) (string, bool) {
	l := p.logOf(id)
	if l == nil {
		return "", false
	}
	return fmt.Sprintf("%s applied %d, snapshot at %d, Paxos Min %d Max %d", p.names(id), l.Applied(), l.SnapshotIndex(), l.Paxos().Min(), l.Paxos().Max()), true
}

// LogParam is the scenario parameter that chooses a service's consensus
// log.
var LogParam = scenarios.Param{Name: "log", Default: "raft", Doc: "the consensus log: raft, or paxos (systems/paxoslog)"}

// OnPaxos reports whether the run asks for Paxos (LogParam), failing it as
// bad input for a value that is neither raft nor paxos.
func OnPaxos(c *scenarios.Case) bool {
	if !c.HasParam(LogParam.Name) {
		return false
	}
	switch l := c.Param(LogParam.Name); l {
	case "raft":
		return false
	case "paxos":
		return true
	default:
		c.BadInput("log=%q: want raft or paxos", l)
		return false
	}
}

// WithLogParam gives every scenario the log parameter.
func WithLogParam(list []scenarios.Scenario) []scenarios.Scenario {
	for i := range list {
		list[i].Params = append(append([]scenarios.Param(nil), list[i].Params...), LogParam)
	}
	return list
}

// PaxosConfig is a Paxos log over the servers ids.
func PaxosConfig(ids []node.ID) *paxoslog.Config {
	return &paxoslog.Config{Paxos: paxos.Config{Peers: ids}}
}
