package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

func TestScheduleTextRoundTrip(t *testing.T) {
	texts := []string{
		"1.5s crash s1",
		"0s crash-mid s1; 300ms restart s1",
		"1s pause s2 250ms; 2s pause s3; 2.5s resume s3",
		"1s isolate s0; 2s partition s0,s1|s2,s3,s4; 3s bridge s0,s1|s2|s3,s4; 4s ring s0,s1,s2,s3,s4",
		"1s cut s0,s1; 1s oneway s1>s2; 2s clog s3 500ms; 2s clog s0>s4 100ms; 3s heal",
		"0s loss 0.1; 0s dup 0.05; 0s reorder 0.2 50ms; 0s latency 1ms 4ms",
		"1s clock s1 -150ms 0.02; 1s disk torn; 2s disk clean; 5s calm",
		"1s msgdelay AppendEntriesReply 0.3 300ms 2s; 1s msgdup raft.RequestVoteReply 0.2; 2s reboot s1; 3s reboot s2 5ms",
		"1s crash s1; 1s damage s1 flip; 2s damage s2 lose raft.meta; 3s damage leader zero",
	}
	for _, text := range texts {
		s, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if got := s.String(); got != text {
			t.Errorf("Parse(%q).String() = %q", text, got)
		}
	}
	multi := "# a comment line\n1s crash s1   # trailing comment\n\n2s restart s1\n"
	s, err := Parse(multi)
	if err != nil || s.String() != "1s crash s1; 2s restart s1" {
		t.Errorf("multi-line schedule parsed as %q, %v", s, err)
	}
	if s, err := Parse("none"); err != nil || len(s) != 0 || s.String() != "none" {
		t.Errorf(`"none" parsed as %q, %v`, s, err)
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"crash", `want "AT OP ARGS"`},
		{"crash s1", "is not a time"},
		{"soon crash s1", "is not a time"},
		{"-1s crash s1", "is not a time"},
		{"1s explode s1", `unknown operation "explode"`},
		{"1s crash", `crash takes "NODE"`},
		{"1s crash s1 s2", `crash takes "NODE"`},
		{"1s loss 1.5", "not a probability"},
		{"1s clog s1 soon", "not a non-negative duration"},
		{"1s bridge s0|s1", "bridge takes LEFT|BRIDGE|RIGHT"},
		{"1s oneway s0", "oneway takes FROM>TO"},
		{"1s clock s0 1ms -1", "greater than -1"},
		{"1s disk shiny", "torn or clean"},
		{"1s damage s1 melt", "flip, zero, truncate or lose"},
		{"1s damage s1", `damage takes "NODE flip|zero|truncate|lose [FILE]"`},
		{"1s clock s0 1h 5", "drift 5 is outside [-0.5, 1]"},
		{"1s clock s0 2h 0", "skew 2h0m0s is beyond ±1h"},
		{";;", "holds no action"},
		{"# only a comment", "holds no action"},
		{"2s crash s1; 1s restart s1", "comes before"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want %q", tt.text, err, tt.want)
		}
	}
}

// idle is a node that does nothing but exist, with a timer every 100 ms so
// that an armed in-handler crash has a handler call to strike.
func idle(period time.Duration) node.Factory {
	return func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			switch ev.(type) {
			case *node.Start, *node.Timeout:
				if period > 0 {
					env.SetTimer(period, nil)
				}
			}
		})
	}
}

func TestScheduleApply(t *testing.T) {
	type probe struct {
		at    time.Duration
		check func(w *sim.World, id func(string) node.ID) bool
		what  string
	}
	tests := []struct {
		schedule string
		period   time.Duration
		probes   []probe
	}{
		{"1s crash s1; 2s restart s1", 100 * time.Millisecond, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return !w.Up(id("s1")) }, "s1 down"},
			{2500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.Up(id("s1")) }, "s1 up again"},
		}},
		{"1s reboot s1 5ms", 100 * time.Millisecond, []probe{
			{1002 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return !w.Up(id("s1")) }, "s1 down during its reboot"},
			{1006 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return w.Up(id("s1")) && w.NodeStats(id("s1")).Restarts == 1
			}, "s1 back 5 ms after its crash"},
		}},
		{"1.01s crash-mid s1", 100 * time.Millisecond, []probe{
			{1050 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.Up(id("s1")) }, "s1 up until its next handler call"},
			{1200 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return !w.Up(id("s1")) }, "s1 crashed inside a handler"},
		}},
		// A crash-mid that has not struck when its restart comes is
		// called off: the node must stay up (it has no events to handle).
		{"1s crash-mid s1; 2s restart s1", 0, []probe{
			{3 * time.Second, func(w *sim.World, id func(string) node.ID) bool { return w.Up(id("s1")) }, "s1 still up"},
		}},
		{"1s pause s2 500ms", 0, []probe{
			{1200 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.Paused(id("s2")) }, "s2 paused"},
			{1600 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return !w.Paused(id("s2")) }, "s2 resumed"},
		}},
		{"1s partition s0,s1|s2; 2s heal", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return w.Net().Connected(id("s0"), id("s1")) && !w.Net().Connected(id("s1"), id("s2")) && !w.Net().Connected(id("s2"), id("s0"))
			}, "s2 cut from s0 and s1"},
			{2500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.Net().Connected(id("s2"), id("s0")) }, "healed"},
		}},
		{"1s oneway s0>s1", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return !w.Net().Connected(id("s0"), id("s1")) && w.Net().Connected(id("s1"), id("s0"))
			}, "s0→s1 cut, s1→s0 open"},
		}},
		{"1s loss 0.25; 1s dup 0.5; 1s reorder 0.1 20ms; 1s latency 5ms 0s", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				l := w.Net().Default()
				return l.Loss == 0.25 && l.Dup == 0.5 && l.TailProb == 0.1 && l.TailMean == 20*time.Millisecond &&
					l.TailMax == 400*time.Millisecond && l.LatencyMin == 5*time.Millisecond && l.LatencySpread == 0
			}, "link settings"},
		}},
		{"1s msgdelay AppendEntriesReply 0.3 300ms; 1s msgdup raft.RequestVoteReply 0.2; 2s calm", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return w.Net().TypeFault("AppendEntriesReply") == sim.TypeFault{TailProb: 0.3, TailMean: 300 * time.Millisecond, TailMax: 6 * time.Second} &&
					w.Net().TypeFault("raft.RequestVoteReply") == sim.TypeFault{Dup: 0.2}
			}, "a delay and a duplication aimed at two types"},
			{2500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return w.Net().TypeFault("AppendEntriesReply") == sim.TypeFault{}
			}, "calm clears them"},
		}},
		{"1s clock s1 100ms 0", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.Clock(id("s1")) == 1600*time.Millisecond }, "s1 100 ms ahead"},
		}},
		{"1s disk torn", 0, []probe{
			{1500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool { return w.DiskConfig().Torn }, "torn disk"},
		}},
		{"1s loss 0.5; 1s crash s0; 1s pause s1; 1s clock s2 1s 0.1; 1s isolate s2; 1s crash-mid s2; 2s calm", 0, []probe{
			{2500 * time.Millisecond, func(w *sim.World, id func(string) node.ID) bool {
				return w.Up(id("s0")) && !w.Paused(id("s1")) && w.Clock(id("s2")) == 2500*time.Millisecond &&
					w.Net().Connected(id("s2"), id("s0")) && w.Net().Default() == sim.DefaultLink
			}, "calm restored everything"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			w := sim.New(1, sim.Config{})
			for _, name := range []string{"s0", "s1", "s2"} {
				w.AddNode(name, idle(tt.period))
			}
			s, err := Parse(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Apply(w); err != nil {
				t.Fatal(err)
			}
			id := func(name string) node.ID {
				v, ok := w.Lookup(name)
				if !ok {
					t.Fatalf("no node %s", name)
				}
				return v
			}
			for _, p := range tt.probes {
				if err := w.RunFor(p.at - w.Now()); err != nil {
					t.Fatal(err)
				}
				if !p.check(w, id) {
					t.Errorf("at %v: want %s", p.at, p.what)
				}
			}
		})
	}
}

// TestActionsOfOneInstantRunInListedOrder: a schedule means what it lists,
// whatever the seed: an in-handler crash called off by a restart listed
// after it never strikes, and a crash followed by a restart at the same
// instant always leaves the node up.
func TestActionsOfOneInstantRunInListedOrder(t *testing.T) {
	for _, tc := range []struct {
		schedule string
		crashes  int64
	}{
		{"10ms crash-mid s0; 10ms restart s0", 0}, // called off before it struck
		{"10ms crash s0; 10ms restart s0", 1},     // down and up again
	} {
		for seed := uint64(1); seed <= 40; seed++ {
			w := sim.New(seed, sim.Config{})
			w.AddNode("s0", func() node.Handler {
				return node.HandlerFunc(func(env node.Env, ev node.Event) { env.SetTimer(5*time.Millisecond, nil) })
			})
			s, err := Parse(tc.schedule)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Apply(w); err != nil {
				t.Fatal(err)
			}
			if err := w.RunFor(time.Second); err != nil {
				t.Fatal(err)
			}
			if got := w.Stats().Crashes; got != tc.crashes || !w.Up(0) {
				t.Fatalf("%q, seed %d: %d crashes, up %v; want %d and up", tc.schedule, seed, got, w.Up(0), tc.crashes)
			}
		}
	}
}

// TestParseWorldsKeepsPathsWhole: a "/" with a space beside it separates
// the schedules of worlds; one inside a word (a guest's file name) does
// not.
func TestParseWorldsKeepsPathsWhole(t *testing.T) {
	for _, tt := range []struct {
		text   string
		worlds int
		last   string // the last action of the last world
	}{
		{"1s crash s1 / none", 2, ""},
		{"1s crash s1 /2s crash s2", 2, "2s crash s2"},
		{"1s damage s0 flip raft/raft.log", 1, "1s damage s0 flip raft/raft.log"},
		{"1s crash s1 / 2s damage s0 lose snapshots/1-2-3/meta.json", 2, "2s damage s0 lose snapshots/1-2-3/meta.json"},
	} {
		ws, err := ParseWorlds(tt.text)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		last := ""
		if s := ws[len(ws)-1]; len(s) > 0 {
			last = s[len(s)-1].String()
		}
		if len(ws) != tt.worlds || last != tt.last {
			t.Errorf("%q: %d worlds, last action %q; want %d and %q", tt.text, len(ws), last, tt.worlds, tt.last)
		}
	}
	if _, err := ParseWorlds("none/none"); err == nil || !strings.Contains(err.Error(), "put a space before or after the /") {
		t.Errorf(`"none/none": %v; want a hint to space the separator`, err)
	}
}
