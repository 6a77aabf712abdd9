package sim_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		in   string
		want sim.Strategy
		str  string
		err  string
	}{
		{in: "", want: sim.Strategy{}, str: "random"},
		{in: "random", want: sim.Strategy{}, str: "random"},
		{in: "pct", want: sim.Strategy{Kind: sim.PCT}, str: "pct"},
		{in: "pct:d=5", want: sim.Strategy{Kind: sim.PCT, Depth: 5}, str: "pct:d=5"},
		{in: "pct:d=3", want: sim.Strategy{Kind: sim.PCT, Depth: 3}, str: "pct"},
		{in: "pct:h=30s,step=500us,d=2", want: sim.Strategy{Kind: sim.PCT, Depth: 2, Horizon: 30 * time.Second, Step: 500 * time.Microsecond}, str: "pct:d=2,h=30s,step=500µs"},
		{in: "pos", err: "unknown strategy"},
		{in: "random:d=2", err: "takes no settings"},
		{in: "pct:d", err: "not KEY=VALUE"},
		{in: "pct:d=0", err: "must be from 1 to 50"},
		{in: "pct:d=99999999999", err: "must be from 1 to 50"},
		{in: "pct:h=25h", err: "at most 24h0m0s"},
		{in: "pct:step=1h", err: "must be from 0 to 50ms"},
		{in: "pct:d=5,step=10ms", err: "holds a low node's messages back up to d×step = 50ms; past 25ms"},
		{in: "pct:d=50", err: "d=50 wants step=500µs or less"},
		{in: "pct:d=50,step=500us", want: sim.Strategy{Kind: sim.PCT, Depth: 50, Step: 500 * time.Microsecond}, str: "pct:d=50,step=500µs"},
		{in: "pct:h=-1s", err: "positive"},
		{in: "pct:q=1", err: "unknown setting"},
	}
	for _, tc := range tests {
		got, err := sim.ParseStrategy(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseStrategy(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseStrategy(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.str {
			t.Errorf("ParseStrategy(%q).String() = %q; want %q", tc.in, s, tc.str)
		}
		if back, err := sim.ParseStrategy(got.String()); err != nil || back.String() != got.String() {
			t.Errorf("String %q does not parse back: %+v, %v", got.String(), back, err)
		}
	}
}

// raceWorld has senders s0..s3 each send one message to r every 10 ms, all
// at the same instants, over links of a fixed latency; it returns the order
// in which r received each round's messages, by sender.
func raceWorld(t *testing.T, seed uint64, st sim.Strategy) (rounds [][]node.ID, arrivals map[node.ID][]time.Duration, fp uint64) {
	t.Helper()
	w := sim.New(seed, sim.Config{Link: fixedLink(time.Millisecond), Strategy: st})
	j := newJournal(w)
	r := j.add("r", hooks{})
	for i := 0; i < 4; i++ {
		j.add("", hooks{
			start:   func(env node.Env, _ bool) { env.SetTimer(10*time.Millisecond, nil) },
			timeout: func(env node.Env, _ node.TimerID, _ any) { env.Send(r, num{}); env.SetTimer(10*time.Millisecond, nil) },
		})
	}
	runFor(t, w, 205*time.Millisecond)
	arrivals = map[node.ID][]time.Duration{}
	var round []node.ID
	last := time.Duration(-1)
	for _, o := range j.filter(r, "recv") {
		if o.At/(10*time.Millisecond) != last/(10*time.Millisecond) && len(round) > 0 {
			rounds = append(rounds, round)
			round = nil
		}
		last = o.At
		round = append(round, o.From)
		arrivals[o.From] = append(arrivals[o.From], o.At)
	}
	rounds = append(rounds, round)
	return rounds, arrivals, w.Fingerprint()
}

// TestPCTOrdersByPriority: without change points in the run (depth 5, as
// many levels as nodes, change points an hour apart) every round arrives in
// one order, the same for the whole run, each sender a Step or two behind
// the one above; over seeds, each sender is sometimes first. Under Random
// the order changes from round to round.
func TestPCTOrdersByPriority(t *testing.T) {
	firsts := map[node.ID]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		rounds, arrivals, _ := raceWorld(t, seed, sim.Strategy{Kind: sim.PCT, Depth: 5, Horizon: 100 * time.Hour, Step: time.Millisecond})
		if len(rounds) != 20 {
			t.Fatalf("seed %d: %d rounds; want 20", seed, len(rounds))
		}
		for i, r := range rounds {
			if !slices.Equal(r, rounds[0]) {
				t.Fatalf("seed %d: round %d arrived in order %v, round 0 in %v; want one order", seed, i, r, rounds[0])
			}
		}
		// Each sender trails the one above it by a Step, or two when the
		// receiver's own priority stands between them.
		for k := 1; k < len(rounds[0]); k++ {
			above, below := arrivals[rounds[0][k-1]][0], arrivals[rounds[0][k]][0]
			if gap := below - above; gap != time.Millisecond && gap != 2*time.Millisecond {
				t.Errorf("seed %d: %v arrived %v after %v; want 1 or 2 Steps (1 ms)", seed, rounds[0][k], gap, rounds[0][k-1])
			}
		}
		firsts[rounds[0][0]] = true
	}
	if len(firsts) != 4 {
		t.Errorf("over 40 seeds only %v were ever first; want all four senders", firsts)
	}

	rounds, _, _ := raceWorld(t, 1, sim.Strategy{})
	orders := map[string]bool{}
	for _, r := range rounds {
		orders[slicesString(r)] = true
	}
	if len(orders) < 5 {
		t.Errorf("random: %d distinct orders over 20 rounds; want the order redrawn each round", len(orders))
	}
}

func slicesString(ids []node.ID) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(id.String())
		b.WriteString(",")
	}
	return b.String()
}

// TestPCTChangePointDropsANode: with d=2 the first node handled after the
// change point drops below the others, so the order changes exactly once.
func TestPCTChangePointDropsANode(t *testing.T) {
	changed := 0
	for seed := uint64(1); seed <= 20; seed++ {
		rounds, _, _ := raceWorld(t, seed, sim.Strategy{Kind: sim.PCT, Depth: 2, Horizon: 200 * time.Millisecond, Step: time.Millisecond})
		switches := 0
		for i := 1; i < len(rounds); i++ {
			if !slices.Equal(rounds[i], rounds[i-1]) {
				switches++
				prev, cur := rounds[i-1], rounds[i]
				dropped := cur[len(cur)-1]
				want := append(slices.DeleteFunc(slices.Clone(prev), func(id node.ID) bool { return id == dropped }), dropped)
				if !slices.Equal(cur, want) {
					t.Errorf("seed %d: order %v → %v; want one sender moved to last", seed, prev, cur)
				}
			}
		}
		if switches > 1 {
			t.Errorf("seed %d: the order changed %d times; want at most once with one change point", seed, switches)
		}
		changed += switches
	}
	if changed < 10 {
		t.Errorf("the order changed in %d of 20 seeds; want most (a change point within the run that drops a sender)", changed)
	}
}

func TestPCTIsDeterministic(t *testing.T) {
	st := sim.Strategy{Kind: sim.PCT, Depth: 4, Horizon: 150 * time.Millisecond}
	_, _, a := raceWorld(t, 9, st)
	_, _, b := raceWorld(t, 9, st)
	_, _, c := raceWorld(t, 9, sim.Strategy{})
	if a != b {
		t.Errorf("pct fingerprints %x and %x for one seed; want equal", a, b)
	}
	if a == c {
		t.Errorf("pct and random share fingerprint %x; want the strategy to show", a)
	}
}

// TestPCTDelayIsBoundedByDepth: a node's messages wait a Step per node
// ranked above it, but never more than depth Steps: a bug of depth d needs
// d priority levels, and a longer wait only stretches the network past the
// timeouts a system is built with, which makes a correct system fail.
func TestPCTDelayIsBoundedByDepth(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rounds, arrivals, _ := raceWorld(t, seed, sim.Strategy{Kind: sim.PCT, Depth: 2, Horizon: 100 * time.Hour, Step: time.Millisecond})
		for _, from := range rounds[0] {
			for i, at := range arrivals[from] {
				sent := time.Duration(i+1) * 10 * time.Millisecond
				if extra := at - sent - time.Millisecond; extra < 0 || extra > 2*time.Millisecond {
					t.Fatalf("seed %d: %v's message sent at %v arrived %v later than its link's 1 ms; want at most depth (2) Steps", seed, from, sent, extra)
				}
			}
		}
	}
}
