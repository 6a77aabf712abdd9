package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// gossipMsg is what the gossip nodes pass around.
type gossipMsg struct {
	Origin node.ID
	Hop    int
	Val    uint64
}

// behaviour folds what the handlers observe into a hash that does not start
// from the seed, unlike World.Fingerprint: two seeds only hash alike if the
// nodes saw the same things.
type behaviour struct{ h uint64 }

func (b *behaviour) fold(vals ...uint64) {
	for _, v := range vals {
		b.h ^= v
		b.h *= 1099511628211
		b.h ^= b.h >> 29
	}
}

const gossipNodes = 5

// gossiper is a randomized test node: on random timers it sends random
// values to random peers, forwards some of what it receives, writes and
// syncs its disk at random, and sets and stops spare timers.
type gossiper struct {
	b     *behaviour
	count int
	spare node.TimerID
}

func (g *gossiper) Handle(env node.Env, ev node.Event) {
	r := env.Rand()
	self := uint64(env.Self())
	switch ev := ev.(type) {
	case *node.Start:
		data, _ := env.Disk().ReadFile("count")
		g.count = len(data)
		g.b.fold(1, self, uint64(env.Now()), uint64(g.count))
		env.SetTimer(r.Duration(time.Millisecond, 20*time.Millisecond), "tick")
	case *node.Timeout:
		g.b.fold(2, self, uint64(env.Now()), uint64(ev.ID))
		if ev.Tag == "spare" {
			return
		}
		to := node.ID(r.IntN(gossipNodes))
		env.Send(to, gossipMsg{Origin: env.Self(), Val: r.Uint64()})
		if r.Chance(0.3) {
			env.Disk().Append("count", []byte{byte(g.count)})
			g.count++
			if r.Chance(0.5) {
				env.Disk().Sync()
			}
		}
		if g.spare != 0 && r.Chance(0.5) {
			env.StopTimer(g.spare)
		}
		g.spare = env.SetTimer(r.Duration(0, 10*time.Millisecond), "spare")
		env.Compute(r.Duration(0, time.Millisecond))
		env.Logf("tick %d to %v", g.count, to)
		env.SetTimer(r.Duration(time.Millisecond, 20*time.Millisecond), "tick")
	case *node.Recv:
		m := ev.Msg.(gossipMsg)
		g.b.fold(3, self, uint64(env.Now()), uint64(ev.From), uint64(m.Origin), uint64(m.Hop), m.Val)
		if m.Hop < 3 && r.Chance(0.6) {
			env.Send(node.ID(r.IntN(gossipNodes)), gossipMsg{Origin: m.Origin, Hop: m.Hop + 1, Val: m.Val*31 + self})
		}
	}
}

// gossipResult is what one run leaves behind.
type gossipResult struct {
	fp        uint64
	behaviour uint64
	stats     sim.NodeStats
	events    int64
	now       time.Duration
}

// gossipRun runs the randomized system for one seed: five gossip nodes on a
// lossy, duplicating, long-tailed network, with faults drawn from
// World.Stream. Some seeds turn the CPU model on.
func gossipRun(t testing.TB, seed uint64, trace func(sim.Record)) gossipResult {
	link := sim.LinkConfig{
		LatencyMin: time.Millisecond, LatencySpread: 2 * time.Millisecond,
		TailProb: 0.05, TailMean: 5 * time.Millisecond, TailMax: 20 * time.Millisecond,
		Loss: 0.05, Dup: 0.05,
	}
	cfg := sim.Config{Link: &link, Disk: sim.DiskConfig{Torn: true}, Trace: trace}
	if seed%2 == 0 {
		cfg.CPU = sim.CPUConfig{Enabled: true, PerEvent: 100 * time.Microsecond}
	}
	w := sim.New(seed, cfg)
	b := &behaviour{h: 14695981039346656037}
	for range gossipNodes {
		w.AddNode("", func() node.Handler { return &gossiper{b: b} })
	}
	f := w.Stream("faults")
	ms := time.Millisecond
	for range 10 {
		at := time.Duration(f.IntN(350)) * ms
		id := node.ID(f.IntN(gossipNodes))
		d := time.Duration(1+f.IntN(30)) * ms
		switch f.IntN(8) {
		case 0:
			w.At(at, "crash", func() { w.Crash(id) })
			w.At(at+d, "restart", func() { w.Restart(id) })
		case 1:
			w.At(at, "crashmid", func() { w.CrashMid(id) })
			w.At(at+d, "restart", func() {
				if !w.Up(id) {
					w.Restart(id)
				}
			})
		case 2:
			perm := f.Perm(gossipNodes)
			k := 1 + f.IntN(gossipNodes-1)
			var left, right []node.ID
			for i, p := range perm {
				if i < k {
					left = append(left, node.ID(p))
				} else {
					right = append(right, node.ID(p))
				}
			}
			w.At(at, "partition", func() { w.Net().Partition(left, right) })
			w.At(at+d, "heal", w.Net().Heal)
		case 3:
			w.At(at, "pause", func() { w.Pause(id) })
			w.At(at+d, "resume", func() { w.Resume(id) })
		case 4:
			w.At(at, "clog", func() { w.Net().ClogNode(id, d) })
		case 5:
			skew := time.Duration(f.IntN(2000)-1000) * ms
			drift := f.Float64() - 0.5
			w.At(at, "clock", func() { w.SetClock(id, skew, drift) })
		case 6:
			other := node.ID(f.IntN(gossipNodes))
			w.At(at, "cut", func() { w.Net().CutOneWay(id, other) })
		case 7:
			ring := f.Perm(gossipNodes)
			order := make([]node.ID, len(ring))
			for i, p := range ring {
				order[i] = node.ID(p)
			}
			w.At(at, "ring", func() { w.Net().Ring(order) })
		}
	}
	if err := w.RunFor(400 * ms); err != nil {
		t.Fatalf("seed %d: gossip run failed: %v", seed, err)
	}
	return gossipResult{fp: w.Fingerprint(), behaviour: b.h, stats: w.Stats(), events: w.Events(), now: w.Now()}
}

// TestDeterminism runs the randomized gossip system for 1,000 seeds, twice
// each (the second pass in reverse seed order, so no state can leak from one
// run into the next), and demands identical fingerprints, behaviour and
// statistics per seed and distinct ones across seeds.
func TestDeterminism(t *testing.T) {
	seeds := uint64(1000)
	if testing.Short() {
		seeds = 200
	}
	first := make([]gossipResult, seeds+1)
	for s := uint64(1); s <= seeds; s++ {
		first[s] = gossipRun(t, s, nil)
	}
	var totalEvents int64
	var faults sim.NodeStats
	for s := seeds; s >= 1; s-- {
		again := gossipRun(t, s, nil)
		if again != first[s] {
			t.Fatalf("seed %d replayed differently:\n first %+v\nsecond %+v", s, first[s], again)
		}
		totalEvents += again.events
		faults.Crashes += again.stats.Crashes
		faults.Dropped += again.stats.Dropped
		faults.Duplicated += again.stats.Duplicated
		faults.DiskSyncs += again.stats.DiskSyncs
	}
	fps, behaviours := map[uint64]uint64{}, map[uint64]uint64{}
	for s := uint64(1); s <= seeds; s++ {
		if prev, dup := fps[first[s].fp]; dup {
			t.Errorf("seeds %d and %d have the same fingerprint %x", prev, s, first[s].fp)
		}
		if prev, dup := behaviours[first[s].behaviour]; dup {
			t.Errorf("seeds %d and %d produced the same observed behaviour %x", prev, s, first[s].behaviour)
		}
		fps[first[s].fp], behaviours[first[s].behaviour] = s, s
	}
	// The runs must actually exercise the engine, or the above proves little.
	if avg := totalEvents / int64(seeds); avg < 400 {
		t.Errorf("%d events per run on average; want at least 400", avg)
	}
	if faults.Crashes == 0 || faults.Dropped == 0 || faults.Duplicated == 0 || faults.DiskSyncs == 0 {
		t.Errorf("fault totals %+v; want crashes, drops, duplicates and syncs to have happened", faults)
	}
}

// TestTraceDoesNotPerturb: the same seed with tracing on and off gives the
// same fingerprint, behaviour and statistics.
func TestTraceDoesNotPerturb(t *testing.T) {
	for s := uint64(1); s <= 100; s++ {
		off := gossipRun(t, s, nil)
		tail := sim.NewTail(16)
		records := 0
		on := gossipRun(t, s, func(r sim.Record) { records++; tail.Add(r) })
		if on != off {
			t.Fatalf("seed %d: trace on %+v; off %+v; want equal", s, on, off)
		}
		if records == 0 || len(tail.Records()) != 16 {
			t.Fatalf("seed %d: %d records, tail kept %d; want many and 16", s, records, len(tail.Records()))
		}
	}
}

// TestStreams: World.Stream is a function of seed and label.
func TestStreams(t *testing.T) {
	w1, w2, w3 := sim.New(1, sim.Config{}), sim.New(1, sim.Config{}), sim.New(2, sim.Config{})
	a, b := w1.Stream("x"), w2.Stream("x")
	c, d := w1.Stream("y"), w3.Stream("x")
	same, diffLabel, diffSeed := 0, 0, 0
	for range 100 {
		va, vb, vc, vd := a.Uint64(), b.Uint64(), c.Uint64(), d.Uint64()
		if va == vb {
			same++
		}
		if va == vc {
			diffLabel++
		}
		if va == vd {
			diffSeed++
		}
	}
	if same != 100 || diffLabel != 0 || diffSeed != 0 {
		t.Errorf("equal draws: same seed and label %d/100, other label %d, other seed %d; want 100, 0, 0", same, diffLabel, diffSeed)
	}
}

// TestNodeRandPerIncarnation: each incarnation of a node draws from its own
// stream, the same one in every run of a seed.
func TestNodeRandPerIncarnation(t *testing.T) {
	draws := func(seed uint64) []uint64 {
		w := sim.New(seed, sim.Config{})
		var got []uint64
		for range 2 {
			w.AddNode("", func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) {
					if _, ok := ev.(*node.Start); ok {
						got = append(got, env.Rand().Uint64())
					}
				})
			})
		}
		runFor(t, w, time.Millisecond)
		w.Restart(0)
		runFor(t, w, time.Millisecond)
		return got
	}
	first, again, other := draws(1), draws(1), draws(2)
	if fmt.Sprint(first) != fmt.Sprint(again) {
		t.Errorf("draws %v then %v for one seed; want equal", first, again)
	}
	seen := map[uint64]bool{}
	for _, v := range append(first, other...) {
		seen[v] = true
	}
	if len(first) != 3 || len(seen) != 6 {
		t.Errorf("draws %v and %v; want 3 distinct per seed (two nodes, one restart) and no overlap", first, other)
	}
}

// pp is the ping-pong message of TestAllocsPerMessage.
type pp struct{ Seq int64 }

// TestAllocsPerMessage: in the default configuration, handling a message
// that sends one reply costs at most one heap allocation (boxing the reply).
func TestAllocsPerMessage(t *testing.T) {
	w := sim.New(1, sim.Config{})
	h := func(first bool) node.Factory {
		return func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				switch ev := ev.(type) {
				case *node.Start:
					if first {
						env.Send(1, pp{Seq: 1000})
					}
				case *node.Recv:
					env.Send(ev.From, pp{Seq: ev.Msg.(pp).Seq + 1})
				}
			})
		}
	}
	w.AddNode("a", h(true))
	w.AddNode("b", h(false))
	for range 1000 { // warm up: slabs, queue and effect list reach their size
		if !w.Step() {
			t.Fatalf("run stopped: %v", w.Err())
		}
	}
	before, events := w.Stats().Delivered, w.Events()
	allocs := testing.AllocsPerRun(2000, func() {
		if !w.Step() {
			t.Fatalf("run stopped: %v", w.Err())
		}
	})
	delivered := w.Stats().Delivered - before
	if steps := w.Events() - events; delivered != steps {
		t.Fatalf("%d deliveries in %d steps; want one per step", delivered, steps)
	}
	t.Logf("%.2f allocations per delivered message", allocs)
	if allocs > 1 {
		t.Errorf("%.2f allocations per delivered message; want at most 1", allocs)
	}
}
