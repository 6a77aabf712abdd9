package sim_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// checkedStore writes one synced file at first start, and at every later
// start refuses if the file is not exactly what it wrote.
type checkedStore struct{ boots *int }

var storeContent = bytes.Repeat([]byte("synced"), 10)

func (h checkedStore) Handle(env node.Env, ev node.Event) {
	s, ok := ev.(*node.Start)
	if !ok {
		return
	}
	*h.boots++
	if !s.Restarted {
		env.Disk().WriteFile("state", storeContent)
		env.Disk().Sync()
		return
	}
	b, err := env.Disk().ReadFile("state")
	if err != nil || !bytes.Equal(b, storeContent) {
		node.Refuse(&node.Damage{File: "state", Offset: -1, Found: "not what was synced"})
	}
}

// TestDamageIsSeenAtBootAndTheRefusingNodeStaysDown: each kind of damage
// changes the synced file so that the node refuses at its restart; the
// refusal keeps it down with its diagnosis, does not fail the run, and a
// restart refuses again.
func TestDamageIsSeenAtBootAndTheRefusingNodeStaysDown(t *testing.T) {
	for _, kind := range sim.DamageKinds() {
		t.Run(string(kind), func(t *testing.T) {
			w := sim.New(7, sim.Config{})
			boots := 0
			id := w.AddNode("s0", func() node.Handler { return checkedStore{&boots} })
			runFor(t, w, time.Millisecond)
			w.Crash(id)
			what := w.Damage(id, kind, "")
			if what == "" || !strings.Contains(what, "state") {
				t.Fatalf("Damage(%s) = %q; want a description naming the file", kind, what)
			}
			for i := 0; i < 2; i++ {
				w.Restart(id)
				runFor(t, w, time.Millisecond)
				if w.Up(id) {
					t.Fatalf("the node is up after refusing to start")
				}
				if d := w.Refusal(id); d == nil || d.File != "state" {
					t.Fatalf("Refusal = %v; want the diagnosis naming state", d)
				}
			}
			if err := w.Err(); err != nil {
				t.Fatalf("a refusal over a damaged disk failed the run: %v", err)
			}
			if boots != 3 || w.NodeStats(id).Refusals != 2 {
				t.Errorf("%d boots, %d refusals; want 3 and 2", boots, w.NodeStats(id).Refusals)
			}
			if got := w.Damaged(id); len(got) != 1 || got[0] != what {
				t.Errorf("Damaged = %q; want [%q]", got, what)
			}
		})
	}
}

// TestARefusalNothingExplainsFailsTheRun: a node that refuses to start
// over a disk only crashes touched has mistaken a torn tail (or nothing)
// for damage, which would keep a healthy node down for ever: the run fails.
func TestARefusalNothingExplainsFailsTheRun(t *testing.T) {
	w := sim.New(1, sim.Config{})
	id := w.AddNode("s0", func() node.Handler {
		return node.HandlerFunc(func(env node.Env, ev node.Event) {
			if s, ok := ev.(*node.Start); ok && s.Restarted {
				node.Refuse(&node.Damage{File: "log", Offset: 12, Found: "a torn record taken for damage"})
			}
		})
	})
	runFor(t, w, time.Millisecond)
	w.Crash(id)
	w.Restart(id)
	w.RunFor(time.Millisecond)
	f := w.Failure()
	if f == nil || f.Kind != sim.Refusal || f.Node != "s0" || !strings.Contains(f.Msg, "nothing damaged its disk") || !strings.Contains(f.Msg, "log at offset 12") {
		t.Fatalf("failure %v; want a refusal failure naming the node and the diagnosis", f)
	}
}

// TestDamageDrawsNothingFromTheRun: damaging a node changes nothing else
// in the run (its choices come from a stream of its own), and the same seed
// damages the same byte.
func TestDamageDrawsNothingFromTheRun(t *testing.T) {
	run := func(damage bool) (uint64, string, []obs) {
		w := sim.New(3, sim.Config{Link: &sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 5 * time.Millisecond}})
		j := newJournal(w)
		j.add("a", ticker(1, 10*time.Millisecond, 50))
		b := j.add("b", hooks{})
		boots := 0
		c := w.AddNode("c", func() node.Handler { return checkedStore{&boots} })
		runFor(t, w, 100*time.Millisecond)
		what := ""
		if damage {
			what = w.Damage(c, sim.DamageFlip, "")
		}
		runFor(t, w, 400*time.Millisecond)
		return w.Fingerprint(), what, j.filter(b, "recv")
	}
	f1, what1, recv1 := run(true)
	f2, what2, _ := run(true)
	if f1 != f2 || what1 != what2 {
		t.Errorf("the same seed damaged differently: %q %x, %q %x", what1, f1, what2, f2)
	}
	plain, _, recvPlain := run(false)
	if plain == f1 {
		t.Error("damage left no mark in the fingerprint")
	}
	if len(recv1) == 0 || !slices.Equal(recv1, recvPlain) {
		t.Errorf("damaging c changed what b received: %d messages against %d", len(recv1), len(recvPlain))
	}
}

// TestDamageAimsAtSyncedBytesOnly: a crash may keep a write that was
// never synced; damage to those bytes is no damage to what the node
// promised, so World.Damage never aims there: every flip lands in the
// synced prefix, and a file whose content is an unsynced write is no
// target.
func TestDamageAimsAtSyncedBytesOnly(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		w := sim.New(seed, sim.Config{Disk: sim.DiskConfig{KeepUnsynced: true}})
		id := w.AddNode("a", func() node.Handler {
			return node.HandlerFunc(func(env node.Env, ev node.Event) {
				if _, ok := ev.(*node.Start); ok && env.Now() == 0 {
					env.Disk().Append("log", []byte("synced--"))
					env.Disk().WriteFile("meta", []byte("synced"))
					env.Disk().Sync()
					env.Disk().Append("log", []byte("unsynced"))
					env.Disk().WriteFile("meta", []byte("rewritten, unsynced"))
				}
			})
		})
		if err := w.RunFor(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		w.Crash(id)
		if got := w.Files(id); !slices.Equal(got, []string{"log", "meta"}) {
			t.Fatalf("seed %d: files %v", seed, got)
		}
		what := w.Damage(id, sim.DamageFlip, "")
		var at int
		var file string
		if _, err := fmt.Sscanf(what, "flipped byte %d of %s", &at, &file); err != nil {
			t.Fatalf("seed %d: damage %q", seed, what)
		}
		if file != "log" || at >= len("synced--") {
			t.Errorf("seed %d: %s: aimed past the synced bytes (log has 8 synced, meta none of its current content)", seed, what)
		}
	}
}
