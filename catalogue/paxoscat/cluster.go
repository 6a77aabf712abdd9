package paxoscat

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
)

// pxHost is a peer's node: a Paxos and, for broken variants in tests, a
// wrapper of the events it receives (wrap) and of its Env (wrapEnv).
type pxHost struct {
	px   *paxos.Paxos
	pc   *pxCluster // for the duel operation
	deaf bool       // drops Decide messages: learns only by proposing
	wrap func(node.Env, node.Event) (node.Env, node.Event, bool)
}

func (h *pxHost) Handle(env node.Env, ev node.Event) {
	if h.wrap != nil {
		var keep bool
		if env, ev, keep = h.wrap(env, ev); !keep {
			return
		}
	}
	if r, ok := ev.(*node.Recv); ok && h.deaf {
		if _, isDecide := r.Msg.(paxos.Decide); isDecide {
			return
		}
	}
	h.px.Handle(env, ev)
}

// pxCluster is n Paxos peers p0..p(n-1) in one world and its fault
// schedule, with the checks of every event: one value per instance across
// peers, and no instance forgotten before every peer called Done on it.
type pxCluster struct {
	*harness.Faults
	c     *scenarios.Case
	w     *sim.World
	ids   []node.ID
	names []string
	deaf  []bool
	// learned is the first value any peer learned for each instance.
	learned  map[int][]byte
	conflict string
	// ballots checks P2c, P2b and what acceptors revealed
	// (checker.Ballots), fed from every peer's messages and state.
	ballots *harness.Ballots
	// dones is the highest Done the scenario called at each peer.
	dones []int
	// dueled are the instances duel actions proposed for.
	dueled []int
	// wrap and wrapEnv, when set, break the peers (tests).
	wrap func(i int) func(node.Env, node.Event) (node.Env, node.Event, bool)
}

func newPxCluster(c *scenarios.Case, cfg sim.Config, n int) *pxCluster {
	w, faults := harness.NewWorld(c, cfg)
	pc := &pxCluster{Faults: faults, c: c, w: w, learned: map[int][]byte{}, deaf: make([]bool, n), dones: make([]int, n)}
	for i := range pc.dones {
		pc.dones[i] = -1
	}
	for i := 0; i < n; i++ {
		pc.ids = append(pc.ids, node.ID(len(pc.w.Nodes())+i))
	}
	return pc
}

// start adds the peers; wrap, deaf peers and the like must be set before.
func (pc *pxCluster) start() {
	pc.ballots = harness.NewBallots(pc.w, pc.ids, func(id node.ID) *paxos.Paxos {
		if h, ok := node.Unwrap(pc.w.Handler(id)).(*pxHost); ok {
			return h.px
		}
		return nil
	})
	for i, id := range pc.ids {
		i, id := i, id
		name := fmt.Sprintf("p%d", i)
		pc.names = append(pc.names, name)
		cfg := paxos.Config{Peers: pc.ids, Learned: func(env node.Env, seq int, v []byte) { pc.onLearn(i, seq, v) }}
		got := pc.w.AddNode(name, func() node.Handler {
			h := &pxHost{px: paxos.New(cfg), pc: pc, deaf: pc.deaf[i]}
			if pc.wrap != nil {
				h.wrap = pc.wrap(i)
			}
			return pc.ballots.Handler(id, h)
		})
		if got != id {
			panic("paxoscat: peers must be the world's first nodes")
		}
	}
	pc.w.ObserveNodes("paxos agreement", pc.ids, pc.check)
}

func (pc *pxCluster) onLearn(peer, seq int, v []byte) {
	first, ok := pc.learned[seq]
	if !ok {
		pc.learned[seq] = slices.Clone(v)
		return
	}
	if !bytes.Equal(first, v) && pc.conflict == "" {
		pc.conflict = fmt.Sprintf("%s learned %q for instance %d, another peer %q", pc.names[peer], short(v), seq, short(first))
	}
}

func short(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + fmt.Sprintf("… (%d bytes)", len(v))
	}
	return string(v)
}

// check is the invariant of every event.
func (pc *pxCluster) check() error {
	if pc.conflict != "" {
		return fmt.Errorf("two values decided: %s", pc.conflict)
	}
	if err := pc.ballots.Check(); err != nil {
		return fmt.Errorf("paxos: %w", err)
	}
	least := pc.dones[0]
	for _, d := range pc.dones[1:] {
		least = min(least, d)
	}
	for i := range pc.ids {
		if px := pc.peer(i); px != nil && px.Min() > least+1 {
			return fmt.Errorf("%s forgot instances below %d, yet some peer called Done only up to %d", pc.names[i], px.Min(), least)
		}
	}
	return nil
}

// peer is peer i's Paxos, nil while it is down.
func (pc *pxCluster) peer(i int) *paxos.Paxos {
	if !pc.w.Up(pc.ids[i]) {
		return nil
	}
	h, _ := node.Unwrap(pc.w.Handler(pc.ids[i])).(*pxHost)
	if h == nil {
		return nil
	}
	return h.px
}

// startAt has peer i propose v for seq, now.
func (pc *pxCluster) startAt(i, seq int, v string) {
	pc.Bind(nil)
	if px := pc.peer(i); px != nil && !px.Booted() {
		pc.c.Must(pc.w.RunFor(0)) // its Start event is due now: let it restore first
	}
	pc.w.Invoke(pc.ids[i], fmt.Sprintf("Start(%d)", seq), func(env node.Env) { pc.peer(i).Start(pc.ballots.Env(pc.ids[i], env), seq, []byte(v)) })
}

// done has peer i call Done(seq).
func (pc *pxCluster) done(i, seq int) {
	pc.Bind(nil)
	if px := pc.peer(i); px != nil && !px.Booted() {
		pc.c.Must(pc.w.RunFor(0))
	}
	pc.w.Invoke(pc.ids[i], fmt.Sprintf("Done(%d)", seq), func(env node.Env) {
		if px := pc.peer(i); px.Booted() {
			px.Done(pc.ballots.Env(pc.ids[i], env), seq)
			pc.dones[i] = max(pc.dones[i], seq)
		}
	})
}

// ndecided is how many up peers have seq decided, and fails the run if
// they disagree (the observer would have, too).
func (pc *pxCluster) ndecided(seq int) int {
	n := 0
	for i := range pc.ids {
		if px := pc.peer(i); px != nil {
			if f, _ := px.Status(seq); f == paxos.Decided {
				n++
			}
		}
	}
	return n
}

// waitDecided runs until at least want peers have decided seq, or fails
// after limit.
func (pc *pxCluster) waitDecided(seq, want int, limit time.Duration) {
	err := pc.RunUntil(func() bool { return pc.ndecided(seq) >= want }, limit, fmt.Sprintf("%d peers deciding instance %d", want, seq))
	pc.c.Must(err)
}

// waitAll waits for every instance of seqs to be decided by want peers.
func (pc *pxCluster) waitAll(seqs []int, want int, limit time.Duration) {
	err := pc.RunUntil(func() bool {
		for _, s := range seqs {
			if pc.ndecided(s) < want {
				return false
			}
		}
		return true
	}, limit, fmt.Sprintf("%d peers deciding all of %d instances", want, len(seqs)))
	pc.c.Must(err)
}

// value is the value peers decided for seq ("" if none has).
func (pc *pxCluster) value(seq int) string { return string(pc.learned[seq]) }

// messages is the number of messages sent so far.
func (pc *pxCluster) messages() int64 { return pc.w.Stats().Sent }
