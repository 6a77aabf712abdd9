package paxoscat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// The duel operation: several Paxos peers propose for one new instance at
// the same instant, each its own value. Their ballots pre-empt each other,
// promises to one proposer arrive after another's accept, and under loss
// and reordering the phase 2 of one meets acceptors that already took
// another's value: the interleavings in which a proposer that ignores the
// values its promises report, or an acceptor that accepts below its
// promise, gets two values chosen. Scheduled as
//
//	duel A,B,C   A, B and C each propose for the instance after the
//	             highest any of them knows, now
//
// and drawn by swarm profiles with Duel set (paxos/swarm sets it in half
// of its runs). A named node that is not a running Paxos peer of this
// catalogue sits the duel out, and the run's log says so.
func init() {
	faults.Register(faults.Op{
		Name: "duel", Args: []faults.Arg{faults.NodesArg("duel", "A,B,C,...", 2)},
		Doc: "Paxos peers A, B, C… each propose its own value for one new instance (the one after the highest any of them knows) at the same instant: duelling proposers",
		Bind: func(b *faults.Binder, a faults.Action) func() {
			w, what := b.W, a.String()
			return b.OnAll(b.List(a.Args[0]), func(ids []node.ID) { duel(w, what, ids) })
		},
		Simpler: fewerDuellists,
		Swarm:   &faults.Swarm{Kind: "duel", On: func(p faults.Profile) bool { return p.Duel }, Draw: drawDuel},
	})
}

// duel has the running peers among ids propose at once for the instance
// after the highest any of them knows, and tells their cluster, whose
// scenario then waits for that instance to be decided too.
func duel(w *sim.World, what string, ids []node.ID) {
	var hosts []*pxHost
	var peers []node.ID
	seq := 0
	for _, id := range ids {
		h, ok := node.Unwrap(w.Handler(id)).(*pxHost)
		if !ok || !w.Up(id) || !h.px.Booted() || h.pc == nil {
			w.Logf("fault %s: %s is not a running Paxos peer; it sits the duel out", what, w.Name(id))
			continue
		}
		hosts, peers = append(hosts, h), append(peers, id)
		seq = max(seq, h.px.Max()+1)
	}
	if len(hosts) < 2 {
		w.Logf("fault %s: fewer than two peers can duel; nothing done", what)
		return
	}
	pc := hosts[0].pc
	if !slices.Contains(pc.dueled, seq) {
		pc.dueled = append(pc.dueled, seq)
	}
	for i, h := range hosts {
		id, v := peers[i], []byte(fmt.Sprintf("duel%d-%s", seq, w.Name(peers[i])))
		if !w.Invoke(id, what, func(env node.Env) { h.px.Start(pc.ballots.Env(id, env), seq, v) }) {
			w.Logf("fault %s: %s is paused or busy; it sits the duel out", what, w.Name(id))
		}
	}
}

// drawDuel has three or more of the peers that are up duel.
func drawDuel(d *faults.Draw) {
	up, _ := d.Up()
	if len(up) < 3 {
		return
	}
	picked := d.R.Perm(len(up))[:3+d.R.IntN(len(up)-2)]
	slices.Sort(picked)
	names := make([]string, len(picked))
	for i, j := range picked {
		names[i] = d.Nodes[up[j]]
	}
	d.Add(d.T, "duel", strings.Join(names, ","))
}

// fewerDuellists lists the duel with one peer fewer, each in turn, down
// to two.
func fewerDuellists(a faults.Action) []faults.Action {
	peers := strings.Split(a.Args[0], ",")
	if len(peers) <= 2 {
		return nil
	}
	var out []faults.Action
	for i := range peers {
		fewer := slices.Delete(slices.Clone(peers), i, i+1)
		out = append(out, faults.Action{At: a.At, Op: a.Op, Args: []string{strings.Join(fewer, ",")}})
	}
	return out
}
