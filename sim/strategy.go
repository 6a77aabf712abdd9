package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Strategy is how the scheduler orders what the network and the timers
// leave open. The zero value is Random.
//
// Random draws a fresh key for every event: events due at the same instant
// are handled in a uniformly random order, and message latencies are the
// links' own draws.
//
// PCT is probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010)
// carried over to a timed, message-passing world. Every node gets a random
// priority when it is added; Depth−1 change points are drawn uniformly over
// the first Horizon of virtual time, and at the i-th the node whose event is
// handled first at or after it drops to priority Depth−i, below every node
// not yet dropped. A node's priority decides two things: at a tie, events a
// node caused (its messages, its own timers) are handled before those of
// lower nodes; and each message a node sends takes rank×Step on top of the
// link's latency, where rank is how many nodes stand above it. So a
// low-priority node loses every race it can lose within that margin, run
// after run of the same draw, which is the long, one-sided starvation a bug
// of small depth needs and a uniform draw almost never produces. The extra
// delay is one the network could always have imposed: nothing a correct
// system may rely on is taken away.
type Strategy struct {
	Kind StrategyKind
	// Depth is PCT's d: the bug depth aimed at, d−1 change points. Zero
	// means 3.
	Depth int
	// Horizon is the stretch of virtual time the change points are drawn
	// over. Zero means 10 s.
	Horizon time.Duration
	// Step is the extra latency per rank, up to Depth ranks: a node's
	// messages wait Step for each node ranked above it, at most Depth×Step
	// (15 ms by default). A bug of depth d needs d priority levels; a
	// longer wait only stretches the network past the timeouts a system
	// is built with, and a correct system then fails. Zero means 5 ms: of the steps
	// measured (1 and 5 ms), the one that found most of the catalogue's
	// broken variants sooner (docs/finding-bugs.md, "Strategies").
	Step time.Duration
}

// StrategyKind names a scheduling strategy.
type StrategyKind uint8

const (
	Random StrategyKind = iota
	PCT
)

const (
	defaultPCTDepth   = 3
	defaultPCTHorizon = 10 * time.Second
	defaultPCTStep    = 5 * time.Millisecond
)

// The bounds of PCT's settings. A depth beyond maxPCTDepth draws that many
// change points for no bug anyone has measured (PCT's own results need
// d ≤ 3 or so); a horizon beyond the run's virtual-time budget places change
// points no run reaches; and a step beyond maxPCTStep delays a low node's
// every message by rank×step, a network slower than any scenario's timing
// bounds assume, so a correct system fails them.
const (
	maxPCTDepth   = 50
	maxPCTHorizon = 24 * time.Hour
	maxPCTStep    = 50 * time.Millisecond
	// maxPCTHold bounds depth × step, the longest PCT holds a message
	// back: with 50 ms, correct shardkv kept more Raft state than its
	// bound allows; with 25 ms, every scenario passed 30 seeds.
	maxPCTHold = 25 * time.Millisecond
)

// Strategies lists the strategies by name, for usage messages.
const Strategies = "random, pct, or pct:d=DEPTH,h=HORIZON,step=STEP (any of the three, e.g. pct:d=5; defaults d=3, h=10s, step=5ms)"

// ParseStrategy reads a strategy as String prints it: "random", "pct", or
// "pct:" followed by comma-separated d=N, h=DURATION, step=DURATION.
func ParseStrategy(s string) (Strategy, error) {
	name, args, hasArgs := strings.Cut(strings.TrimSpace(s), ":")
	switch name {
	case "", "random":
		if hasArgs {
			return Strategy{}, fmt.Errorf("strategy %q: random takes no settings", s)
		}
		return Strategy{}, nil
	case "pct":
	default:
		return Strategy{}, fmt.Errorf("unknown strategy %q: want %s", s, Strategies)
	}
	st := Strategy{Kind: PCT}
	if hasArgs {
		for _, kv := range strings.Split(args, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return Strategy{}, fmt.Errorf("strategy %q: setting %q is not KEY=VALUE (want %s)", s, kv, Strategies)
			}
			var err error
			switch k {
			case "d":
				st.Depth, err = strconv.Atoi(v)
				if err == nil && (st.Depth < 1 || st.Depth > maxPCTDepth) {
					err = fmt.Errorf("must be from 1 to %d (a bug's depth is small: PCT's own finds needed 3 or less)", maxPCTDepth)
				}
			case "h":
				st.Horizon, err = time.ParseDuration(v)
				if err == nil && (st.Horizon <= 0 || st.Horizon > maxPCTHorizon) {
					err = fmt.Errorf("must be positive and at most %v, the run's virtual-time budget", maxPCTHorizon)
				}
			case "step":
				st.Step, err = time.ParseDuration(v)
				if err == nil && (st.Step < 0 || st.Step > maxPCTStep) {
					err = fmt.Errorf("must be from 0 to %v: a larger step makes a network slower than the scenarios' timing bounds assume, and correct systems fail them", maxPCTStep)
				}
			default:
				return Strategy{}, fmt.Errorf("strategy %q: unknown setting %q (want d, h or step)", s, k)
			}
			if err != nil {
				return Strategy{}, fmt.Errorf("strategy %q: %s=%q: %v", s, k, v, err)
			}
		}
	}
	d, step := st.Depth, st.Step
	if d == 0 {
		d = defaultPCTDepth
	}
	if step == 0 {
		step = defaultPCTStep
	}
	if hold := time.Duration(d) * step; hold > maxPCTHold {
		return Strategy{}, fmt.Errorf("strategy %q holds a low node's messages back up to d×step = %v; past %v that stretches the network beyond the timeouts the systems are built with, and correct systems fail: lower d or step (d=%d wants step=%v or less)", s, hold, maxPCTHold, d, maxPCTHold/time.Duration(d))
	}
	return st, nil
}

// String prints the strategy so that ParseStrategy reads it back, leaving
// out settings at their defaults.
func (s Strategy) String() string {
	if s.Kind != PCT {
		return "random"
	}
	var set []string
	if s.Depth != 0 && s.Depth != defaultPCTDepth {
		set = append(set, "d="+strconv.Itoa(s.Depth))
	}
	if s.Horizon != 0 && s.Horizon != defaultPCTHorizon {
		set = append(set, "h="+s.Horizon.String())
	}
	if s.Step != 0 && s.Step != defaultPCTStep {
		set = append(set, "step="+s.Step.String())
	}
	if len(set) == 0 {
		return "pct"
	}
	return "pct:" + strings.Join(set, ",")
}

// pct is the state of the PCT strategy in one World.
type pct struct {
	rand    *node.Rand
	depth   int
	step    time.Duration
	changes []time.Duration // change points still to come, earliest first
	dropped int             // change points passed
	prio    []uint64        // by node ID; higher goes first
	rank    []int           // by node ID: how many nodes stand above
}

func newPCT(seed uint64, s Strategy) *pct {
	p := &pct{
		rand:  node.NewRand(node.Mix(seed, node.HashString("pct"))),
		depth: s.Depth,
		step:  s.Step,
	}
	if p.depth == 0 {
		p.depth = defaultPCTDepth
	}
	if s.Step == 0 {
		p.step = defaultPCTStep
	}
	horizon := s.Horizon
	if horizon == 0 {
		horizon = defaultPCTHorizon
	}
	for i := 1; i < p.depth; i++ {
		p.changes = append(p.changes, time.Duration(p.rand.Uint64N(uint64(horizon))))
	}
	slices.Sort(p.changes)
	return p
}

// add gives a new node its random priority, above every dropped one.
func (p *pct) add() {
	p.prio = append(p.prio, p.rand.Uint64()|1<<63)
	p.rerank()
}

func (p *pct) rerank() {
	p.rank = p.rank[:0]
	for _, a := range p.prio {
		r := 0
		for _, b := range p.prio {
			if b > a {
				r++
			}
		}
		p.rank = append(p.rank, r)
	}
}

// key is the queue key of an event caused by node by: its rank first, a
// random draw among equals.
func (p *pct) key(by node.ID) uint64 {
	r := uint64(len(p.prio))
	if by >= 0 && int(by) < len(p.rank) {
		r = uint64(p.rank[by])
	}
	return (r+1)<<40 | p.rand.Uint64()>>24
}

// delay is the extra latency of a message sent by from: a Step per node
// ranked above it, for at most depth ranks.
func (p *pct) delay(from node.ID) time.Duration {
	return time.Duration(min(p.rank[from], p.depth)) * p.step
}

// handling passes the change points due by now, dropping the node of the
// event about to be handled; it reports whether a node was dropped.
func (p *pct) handling(now time.Duration, n node.ID) bool {
	if len(p.changes) == 0 || p.changes[0] > now || n == node.None {
		return false
	}
	for len(p.changes) > 0 && p.changes[0] <= now {
		p.changes = p.changes[1:]
		p.dropped++
		p.prio[n] = uint64(p.depth - p.dropped)
	}
	p.rerank()
	return true
}

// eventKey is the queue key of a new event under the World's strategy.
func (w *World) eventKey(ev *event) uint64 {
	if w.pct == nil {
		return w.sched.Uint64()
	}
	switch ev.kind {
	case evRecv:
		return w.pct.key(ev.from)
	case evCall:
		return w.pct.key(node.None)
	}
	return w.pct.key(ev.node)
}
