package sim_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// pairs parses "0>1 2>3" into directed pairs; "a-b" means both directions.
func pairs(s string) map[[2]node.ID]bool {
	out := map[[2]node.ID]bool{}
	for _, f := range strings.Fields(s) {
		var a, b int
		if strings.Contains(f, "-") {
			fmt.Sscanf(f, "%d-%d", &a, &b)
			out[[2]node.ID{node.ID(b), node.ID(a)}] = true
		} else {
			fmt.Sscanf(f, "%d>%d", &a, &b)
		}
		out[[2]node.ID{node.ID(a), node.ID(b)}] = true
	}
	return out
}

// TestPartitionShapes applies each partition shape to a 5-node world and
// checks reachability twice: through Net().Connected for every ordered pair,
// and by having every node send to every other node and seeing what arrives.
func TestPartitionShapes(t *testing.T) {
	ids := []node.ID{0, 1, 2, 3, 4}
	tests := []struct {
		name    string
		apply   func(nw *sim.Network)
		blocked string // directed pairs cut; "a-b" for both ways
	}{
		{"none", func(nw *sim.Network) {}, ""},
		{"two groups, one node unnamed", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
		}, "0-2 0-3 1-2 1-3"},
		{"majority and minority", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1, 2}, []node.ID{3, 4})
		}, "0-3 0-4 1-3 1-4 2-3 2-4"},
		{"three groups", func(nw *sim.Network) {
			nw.Partition([]node.ID{0}, []node.ID{1, 2}, []node.ID{3, 4})
		}, "0-1 0-2 0-3 0-4 1-3 1-4 2-3 2-4"},
		{"one group cuts nothing", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1, 2, 3, 4})
		}, ""},
		{"isolate", func(nw *sim.Network) { nw.Isolate(2) }, "2-0 2-1 2-3 2-4"},
		{"bridge", func(nw *sim.Network) {
			nw.Bridge([]node.ID{0, 1}, []node.ID{3, 4}, 2)
		}, "0-3 0-4 1-3 1-4"},
		{"ring in ID order", func(nw *sim.Network) { nw.Ring(ids) }, "0-2 0-3 1-3 1-4 2-4"},
		{"ring in another order", func(nw *sim.Network) {
			nw.Ring([]node.ID{0, 2, 4, 1, 3}) // neighbours: 0-2 2-4 4-1 1-3 3-0
		}, "0-1 0-4 1-2 2-3 3-4"},
		{"ring of three, two unnamed", func(nw *sim.Network) { nw.Ring([]node.ID{0, 1, 2}) }, ""},
		{"ring of four", func(nw *sim.Network) { nw.Ring([]node.ID{0, 1, 2, 3}) }, "0-2 1-3"},
		{"cut one way", func(nw *sim.Network) { nw.CutOneWay(0, 1) }, "0>1"},
		{"cut", func(nw *sim.Network) { nw.Cut(3, 4) }, "3-4"},
		{"cuts add up", func(nw *sim.Network) {
			nw.Cut(0, 1)
			nw.CutOneWay(2, 3)
			nw.CutOneWay(3, 2)
			nw.CutOneWay(4, 0)
		}, "0-1 2-3 4>0"},
		{"cut adds to a partition", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
			nw.CutOneWay(4, 0)
		}, "0-2 0-3 1-2 1-3 4>0"},
		{"partition replaces cuts", func(nw *sim.Network) {
			nw.Cut(0, 4)
			nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
		}, "0-2 0-3 1-2 1-3"},
		{"isolate replaces a partition", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
			nw.Isolate(4)
		}, "4-0 4-1 4-2 4-3"},
		{"ring replaces isolate", func(nw *sim.Network) {
			nw.Isolate(0)
			nw.Ring(ids)
		}, "0-2 0-3 1-3 1-4 2-4"},
		{"heal", func(nw *sim.Network) {
			nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
			nw.Cut(0, 4)
			nw.Heal()
		}, ""},
		{"cut after heal", func(nw *sim.Network) {
			nw.Isolate(1)
			nw.Heal()
			nw.CutOneWay(1, 2)
		}, "1>2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			j := newJournal(w)
			for range ids {
				j.add("", hooks{start: func(env node.Env, _ bool) {
					env.SetTimer(10*time.Millisecond, nil)
				}, timeout: func(env node.Env, _ node.TimerID, _ any) {
					for _, to := range ids {
						if to != env.Self() {
							env.Send(to, num{int(env.Self())})
						}
					}
				}})
			}
			nw := w.Net()
			tc.apply(nw)
			blocked := pairs(tc.blocked)
			for _, a := range ids {
				for _, b := range ids {
					want := !blocked[[2]node.ID{a, b}]
					if got := nw.Connected(a, b); got != want {
						t.Errorf("Connected(%v, %v) = %v; want %v", a, b, got, want)
					}
				}
			}
			runFor(t, w, time.Second)
			for _, b := range ids {
				var got, want []int
				for _, o := range j.filter(b, "recv") {
					if o.From != node.ID(o.Msg.(num).N) {
						t.Errorf("recv from %v carries %v", o.From, o.Msg)
					}
					got = append(got, int(o.From))
				}
				for _, a := range ids {
					if a != b && !blocked[[2]node.ID{a, b}] {
						want = append(want, int(a))
					}
				}
				if got = sortedCopy(got); !slices.Equal(got, want) {
					t.Errorf("%v received from %v; want from %v", b, got, want)
				}
			}
			if s := w.Stats(); s.Sent != 20 || s.Dropped != int64(len(blocked)) || s.Delivered != 20-int64(len(blocked)) {
				t.Errorf("Sent %d Dropped %d Delivered %d; want 20 %d %d", s.Sent, s.Dropped, s.Delivered, len(blocked), 20-len(blocked))
			}
		})
	}
}

// TestBridgeNodeInAGroup documents Bridge's contract: the bridge node must
// not also be listed in left or right; if it is, it is cut like any member.
func TestBridgeNodeInAGroup(t *testing.T) {
	w := sim.New(1, sim.Config{})
	j := newJournal(w)
	for range 5 {
		j.add("", hooks{})
	}
	w.Net().Bridge([]node.ID{0, 1, 2}, []node.ID{3, 4}, 2)
	if w.Net().Connected(2, 3) {
		t.Errorf("Connected(2, 3) = true with 2 listed in left; this documents the current behaviour (cut), update if Bridge learns to exempt the bridge")
	}
}

// TestInFlightCut: the partition is checked again at delivery, so a message
// in flight when a cut begins is lost, and one whose cut heals before it
// arrives is delivered.
func TestInFlightCut(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name          string
		fault         func(w *sim.World)
		wantDelivered bool
	}{
		{"no fault", func(w *sim.World) {}, true},
		{"cut while in flight", func(w *sim.World) { w.Net().Cut(0, 1) }, false},
		{"one-way cut in the message's direction", func(w *sim.World) { w.Net().CutOneWay(0, 1) }, false},
		{"one-way cut in the other direction", func(w *sim.World) { w.Net().CutOneWay(1, 0) }, true},
		{"partition while in flight", func(w *sim.World) { w.Net().Partition([]node.ID{0}, []node.ID{1}) }, false},
		{"isolate the receiver", func(w *sim.World) { w.Net().Isolate(1) }, false},
		{"isolate a bystander", func(w *sim.World) { w.Net().Isolate(2) }, true},
		{"cut healed before arrival", func(w *sim.World) {
			w.Net().Cut(0, 1)
			w.After(2*ms, "heal", w.Net().Heal)
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{Link: fixedLink(10 * ms)})
			j := newJournal(w)
			j.add("a", hooks{start: func(env node.Env, _ bool) { env.Send(1, num{1}) }})
			b := j.add("b", hooks{})
			j.add("c", hooks{})
			w.At(5*ms, "fault", func() { tc.fault(w) })
			runFor(t, w, time.Second)
			got := len(j.nums(b)) == 1
			if got != tc.wantDelivered {
				t.Errorf("delivered %v; want %v", got, tc.wantDelivered)
			}
			wantDropped := int64(0)
			if !tc.wantDelivered {
				wantDropped = 1
			}
			if s := w.NodeStats(0); s.Sent != 1 || s.Dropped != wantDropped {
				t.Errorf("sender Sent %d Dropped %d; want 1 %d", s.Sent, s.Dropped, wantDropped)
			}
		})
	}
}

// TestClog: a clogged link holds messages that would arrive during the clog
// until it ends; other links and directions are unaffected; Heal ends it.
func TestClog(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		clog  func(nw *sim.Network)
		heal  time.Duration // 0: no heal
		wantA time.Duration // arrival at 0 of 1's message
		wantB time.Duration // arrival at 1 of 0's message
		wantC time.Duration // arrival at 2 of 0's message
	}{
		{"none", func(nw *sim.Network) {}, 0, ms, ms, ms},
		{"one link", func(nw *sim.Network) { nw.Clog(0, 1, 100*ms) }, 0, ms, 100 * ms, ms},
		{"longest clog wins", func(nw *sim.Network) { nw.Clog(0, 1, 100*ms); nw.Clog(0, 1, 50*ms) }, 0, ms, 100 * ms, ms},
		{"clog shorter than latency", func(nw *sim.Network) { nw.Clog(0, 1, ms/2) }, 0, ms, ms, ms},
		{"node", func(nw *sim.Network) { nw.ClogNode(1, 50*ms) }, 0, 50 * ms, 50 * ms, ms},
		{"healed", func(nw *sim.Network) { nw.ClogNode(1, 50*ms) }, ms / 2, ms, ms, ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := sim.New(1, sim.Config{Link: fixedLink(ms)})
			j := newJournal(w)
			a := j.add("a", hooks{start: func(env node.Env, _ bool) { env.Send(1, num{0}); env.Send(2, num{0}) }})
			b := j.add("b", hooks{start: func(env node.Env, _ bool) { env.Send(0, num{1}) }})
			c := j.add("c", hooks{})
			tc.clog(w.Net())
			if tc.heal > 0 {
				w.At(tc.heal, "heal", w.Net().Heal)
			}
			runFor(t, w, time.Second)
			for _, x := range []struct {
				id   node.ID
				want time.Duration
			}{{a, tc.wantA}, {b, tc.wantB}, {c, tc.wantC}} {
				got := j.filter(x.id, "recv")
				if len(got) != 1 || got[0].At != x.want {
					t.Errorf("%v's receptions %+v; want one at %v", x.id, got, x.want)
				}
			}
		})
	}
}

// TestClogThenCut: a message held by a clog is checked against partitions
// when the clog releases it.
func TestClogThenCut(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(1, sim.Config{Link: fixedLink(ms)})
	j := newJournal(w)
	j.add("a", hooks{start: func(env node.Env, _ bool) { env.Send(1, num{1}) }})
	b := j.add("b", hooks{})
	w.Net().Clog(0, 1, 50*ms)
	w.At(20*ms, "cut", func() { w.Net().CutOneWay(0, 1) })
	runFor(t, w, time.Second)
	if got := j.nums(b); len(got) != 0 || w.NodeStats(0).Dropped != 1 {
		t.Errorf("b received %v, sender Dropped %d; want nothing and 1", got, w.NodeStats(0).Dropped)
	}
}

// sendMany returns a world where node 0 sends n num messages to node 1 at
// start over link, runs it to the end and returns the delays observed by 1
// (the messages are sent at time 0).
func sendMany(t *testing.T, seed uint64, link sim.LinkConfig, n int) (*sim.World, []time.Duration) {
	t.Helper()
	w := sim.New(seed, sim.Config{Link: &link})
	var delays []time.Duration
	w.AddNode("src", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if _, ok := ev.(*node.Start); ok {
				for i := range n {
					env.Send(1, num{i})
				}
			}
		})
	})
	w.AddNode("dst", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if _, ok := ev.(*node.Recv); ok {
				delays = append(delays, env.Now())
			}
		})
	})
	runFor(t, w, time.Hour)
	return w, delays
}

// TestLossAndDuplication: Loss and Dup rates hold within statistical
// tolerance over 20,000 messages, and the counters add up exactly.
func TestLossAndDuplication(t *testing.T) {
	const n = 20_000
	tests := []struct {
		name      string
		loss, dup float64
	}{
		{"quiet", 0, 0},
		{"loss 0.2", 0.2, 0},
		{"dup 0.1", 0, 0.1},
		{"loss 0.2 and dup 0.1", 0.2, 0.1},
		{"loss 1", 1, 0},
		{"dup 1", 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := sim.DefaultLink
			l.Loss, l.Dup = tc.loss, tc.dup
			w, delays := sendMany(t, 42, l, n)
			src, dst := w.NodeStats(0), w.NodeStats(1)
			if src.Sent != n {
				t.Fatalf("Sent = %d; want %d", src.Sent, n)
			}
			lossRate := float64(src.Dropped) / n
			if math.Abs(lossRate-tc.loss) > 0.02 {
				t.Errorf("Dropped/Sent = %.4f; want %.2f ± 0.02", lossRate, tc.loss)
			}
			if survived := n - src.Dropped; survived > 0 {
				dupRate := float64(src.Duplicated) / float64(survived)
				if math.Abs(dupRate-tc.dup) > 0.02 {
					t.Errorf("Duplicated/(Sent-Dropped) = %.4f; want %.2f ± 0.02", dupRate, tc.dup)
				}
			}
			if want := src.Sent - src.Dropped + src.Duplicated; dst.Delivered != want || int64(len(delays)) != want {
				t.Errorf("Delivered %d, handled %d; want Sent-Dropped+Duplicated = %d", dst.Delivered, len(delays), want)
			}
			wantBytes := int64(0)
			for i := range n {
				wantBytes += int64(sim.SizeOf(num{i}))
			}
			if src.BytesSent != wantBytes {
				t.Errorf("BytesSent = %d; want %d, the sum of SizeOf over the messages", src.BytesSent, wantBytes)
			}
			if tc.loss == 0 && tc.dup == 0 && dst.BytesDelivered != wantBytes {
				t.Errorf("BytesDelivered = %d on a quiet link; want %d", dst.BytesDelivered, wantBytes)
			}
		})
	}
}

// TestLatency: delays fall within [LatencyMin, LatencyMin+LatencySpread]
// without a tail and cover that range; a tail adds delays beyond it bounded
// by TailMax.
func TestLatency(t *testing.T) {
	ms := time.Millisecond
	const n = 5000
	tests := []struct {
		name        string
		link        sim.LinkConfig
		lo, hi      time.Duration // every delay within [lo, hi]
		wantBeyond  float64       // least fraction of delays above LatencyMin+LatencySpread
		beyondUpper float64       // most such fraction
	}{
		{"fixed", sim.LinkConfig{LatencyMin: 7 * ms}, 7 * ms, 7 * ms, 0, 0},
		{"uniform", sim.LinkConfig{LatencyMin: 10 * ms, LatencySpread: 5 * ms}, 10 * ms, 15 * ms, 0, 0},
		{"default", sim.DefaultLink, ms, 3 * ms, 0, 0},
		{"tail", sim.LinkConfig{LatencyMin: 10 * ms, LatencySpread: 5 * ms, TailProb: 0.2, TailMean: 20 * ms, TailMax: 30 * ms}, 10 * ms, 45 * ms, 0.15, 0.25},
		{"tail without cap", sim.LinkConfig{LatencyMin: 10 * ms, TailProb: 0.5, TailMean: ms}, 10 * ms, time.Second, 0.45, 0.55},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, delays := sendMany(t, 7, tc.link, n)
			if len(delays) != n {
				t.Fatalf("%d delivered; want %d", len(delays), n)
			}
			lo, hi := slices.Min(delays), slices.Max(delays)
			if lo < tc.lo || hi > tc.hi {
				t.Errorf("delays within [%v, %v]; want within [%v, %v]", lo, hi, tc.lo, tc.hi)
			}
			// The range is covered: the extremes come close to the bounds.
			slack := (tc.hi - tc.lo) / 100
			if lo > tc.lo+slack {
				t.Errorf("least delay %v; want within %v of %v", lo, slack, tc.lo)
			}
			if tc.link.TailProb == 0 && hi < tc.hi-slack {
				t.Errorf("greatest delay %v; want within %v of %v", hi, slack, tc.hi)
			}
			if tc.link.TailMax > 0 && hi < tc.hi-tc.link.LatencySpread {
				t.Errorf("greatest delay %v; want the tail to reach its cap (beyond %v)", hi, tc.hi-tc.link.LatencySpread)
			}
			beyond := 0
			for _, d := range delays {
				if d > tc.link.LatencyMin+tc.link.LatencySpread {
					beyond++
				}
			}
			if f := float64(beyond) / n; f < tc.wantBeyond || f > tc.beyondUpper {
				t.Errorf("%.3f of delays beyond min+spread; want within [%.2f, %.2f]", f, tc.wantBeyond, tc.beyondUpper)
			}
		})
	}
}

// TestSetLink: a per-link override applies to its direction only, and
// SetDefault changes every link without one.
func TestSetLink(t *testing.T) {
	ms := time.Millisecond
	w := sim.New(1, sim.Config{Link: fixedLink(ms)})
	j := newJournal(w)
	a := j.add("a", hooks{timeout: func(env node.Env, _ node.TimerID, _ any) { env.Send(1, num{0}) }, start: func(env node.Env, _ bool) {
		env.Send(1, num{0})
		env.SetTimer(100*ms, nil)
	}})
	b := j.add("b", hooks{start: func(env node.Env, _ bool) { env.Send(0, num{1}) }})
	nw := w.Net()
	nw.SetLink(a, b, sim.LinkConfig{LatencyMin: 20 * ms})
	if got := nw.Link(a, b); got.LatencyMin != 20*ms {
		t.Errorf("Link(a, b).LatencyMin = %v; want 20ms", got.LatencyMin)
	}
	if got := nw.Link(b, a); got != *fixedLink(ms) {
		t.Errorf("Link(b, a) = %+v; want the default %+v", got, *fixedLink(ms))
	}
	w.At(50*ms, "default", func() { nw.SetDefault(sim.LinkConfig{LatencyMin: 5 * ms}) })
	runFor(t, w, time.Second)
	var atB []time.Duration
	for _, o := range j.filter(b, "recv") {
		atB = append(atB, o.At)
	}
	if want := []time.Duration{20 * ms, 120 * ms}; !slices.Equal(atB, want) {
		t.Errorf("b received at %v; want %v (the override outlives SetDefault)", atB, want)
	}
	if got := j.filter(a, "recv"); len(got) != 1 || got[0].At != ms {
		t.Errorf("a's receptions %+v; want one at 1ms", got)
	}
	if nw.Default().LatencyMin != 5*ms {
		t.Errorf("Default().LatencyMin = %v; want 5ms", nw.Default().LatencyMin)
	}
	for _, bad := range []sim.LinkConfig{{LatencyMin: -1}, {Loss: 1.5}, {Dup: -0.1}, {TailProb: 2}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil; want an error", bad)
		}
		if _, did := panics(func() { nw.SetLink(a, b, bad) }); !did {
			t.Errorf("SetLink with %+v did not panic", bad)
		}
	}
	if err := sim.DefaultLink.Validate(); err != nil {
		t.Errorf("DefaultLink.Validate() = %v; want nil", err)
	}
}

// TestClogKeepsOrder: messages a clog holds are released in the order they
// arrived, so a fixed-latency link stays FIFO through a clog.
func TestClogKeepsOrder(t *testing.T) {
	ms := time.Millisecond
	for seed := uint64(1); seed <= 10; seed++ {
		w := sim.New(seed, sim.Config{Link: fixedLink(ms)})
		j := newJournal(w)
		dst := j.add("dst", hooks{})
		j.add("src", ticker(dst, ms, 5)) // arrivals at 2..6 ms, all held
		w.Net().Clog(1, 0, 50*ms)
		runFor(t, w, time.Second)
		if got := j.nums(dst); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Errorf("seed %d: dst received %v after the clog; want [1 2 3 4 5]", seed, got)
		}
	}
}

// TestDisconnectConnect: the classic lab's disconnect cuts one node off and
// keeps other cuts; connect restores its links to every node still
// connected; a partition shape or heal clears the marks.
func TestDisconnectConnect(t *testing.T) {
	w := sim.New(1, sim.Config{})
	for _, n := range []string{"a", "b", "c", "d"} {
		w.AddNode(n, func() node.Handler { return node.HandlerFunc(func(node.Env, node.Event) {}) })
	}
	nw := w.Net()
	reach := func(from, to node.ID) bool { return nw.Connected(from, to) }
	nw.Disconnect(0)
	nw.Disconnect(1)
	if reach(0, 2) || reach(2, 0) || reach(0, 1) || reach(1, 3) || !reach(2, 3) || !nw.Disconnected(0) {
		t.Fatalf("after disconnecting a and b: a↔c %v/%v, a↔b %v, b→d %v, c→d %v", reach(0, 2), reach(2, 0), reach(0, 1), reach(1, 3), reach(2, 3))
	}
	nw.Connect(0)
	if !reach(0, 2) || !reach(2, 0) || reach(0, 1) || reach(1, 0) || nw.Disconnected(0) || !nw.Disconnected(1) {
		t.Fatalf("after connecting a: a↔c %v/%v, a↔b %v/%v; want a back with all but b", reach(0, 2), reach(2, 0), reach(0, 1), reach(1, 0))
	}
	nw.Partition([]node.ID{0, 1}, []node.ID{2, 3})
	if nw.Disconnected(1) || !reach(0, 1) || reach(0, 2) {
		t.Fatalf("a partition keeps b disconnected or mis-cuts: b %v, a↔b %v, a↔c %v", nw.Disconnected(1), reach(0, 1), reach(0, 2))
	}
}
