package paxoscat

import (
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// TestADuelProposesAtOnce: a scheduled duel has each named peer send its
// prepare for one new instance at the same instant, the instance is
// decided with one of their values, and a peer that is down sits it out.
func TestADuelProposesAtOnce(t *testing.T) {
	var prepares []sim.Record
	var logs []string
	out, err := scenarios.Run("paxos/swarm", 3, scenarios.Options{
		Faults: "150ms crash p4; 200ms duel p0,p2,p3,p4; 6s calm",
		Trace: func(r sim.Record) {
			switch {
			case r.Time == 200*time.Millisecond && r.Kind == "send" && strings.HasSuffix(r.MsgType, ".Prepare"):
				prepares = append(prepares, r)
			case r.Kind == "log" && strings.Contains(r.Detail, "duel"):
				logs = append(logs, r.Detail)
			}
		},
	})
	if err != nil || !out.Passed {
		t.Fatalf("paxos/swarm with a duel: %v %+v", err, out.Failures)
	}
	from := map[string]bool{}
	seq := ""
	for _, r := range prepares {
		from[r.Node] = true
		s := r.Detail[strings.Index(r.Detail, "Seq:"):]
		s = s[:strings.IndexAny(s, " }")]
		if seq == "" {
			seq = s
		} else if s != seq {
			t.Errorf("the duel's prepares name %s and %s; want one instance", seq, s)
		}
	}
	if len(from) != 3 || !from["p0"] || !from["p2"] || !from["p3"] {
		t.Errorf("prepares at the duel's instant came from %v; want p0, p2 and p3", from)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "p4 is not a running Paxos peer") {
		t.Errorf("the run's log says %q; want that the crashed p4 sat the duel out", logs)
	}
}

// TestDuelSchedules: the swarm draws duels of three peers or more that
// are up, only with Duel set, and a duel shrinks a peer at a time down
// to two.
func TestDuelSchedules(t *testing.T) {
	names := []string{"p0", "p1", "p2", "p3", "p4"}
	duels := 0
	for seed := uint64(1); seed <= 200; seed++ {
		p := faults.DrawProfile(node.NewRand(seed))
		p.Duel = seed%2 == 0
		for _, a := range p.Schedule(node.NewRand(seed+1000), names, 5, 100*time.Millisecond, 6*time.Second) {
			if a.Op != "duel" {
				continue
			}
			duels++
			if !p.Duel {
				t.Fatalf("seed %d: %s drawn without Duel", seed, a)
			}
			if n := len(strings.Split(a.Args[0], ",")); n < 3 {
				t.Errorf("seed %d: %s names %d peers; want three or more", seed, a, n)
			}
			if err := a.Validate(); err != nil {
				t.Errorf("seed %d: %s: %v", seed, a, err)
			}
		}
	}
	if duels == 0 {
		t.Error("no duel drawn in 100 profiles with Duel set")
	}
	s, err := faults.Parse("1s duel p0,p1,p2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range s[0].Simpler() {
		got = append(got, s.String())
	}
	if want := "1s duel p1,p2|1s duel p0,p2|1s duel p0,p1"; strings.Join(got, "|") != want {
		t.Errorf("a three-peer duel shrinks to %q; want %q", got, want)
	}
	if _, err := faults.Parse("1s duel p0"); err == nil || !strings.Contains(err.Error(), "duel takes 2 nodes or more") {
		t.Errorf("a duel of one: %v; want the grammar's error", err)
	}
}
