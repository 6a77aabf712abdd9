package paxoslog

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/internal/frame"
	"github.com/simlab-go/simlab/systems/paxos"
)

// service records what the log hands it: the snapshot it restored from
// and the commands applied after it.
type service struct {
	snapIndex int
	snapshot  []byte
	commands  []any
}

func (s *service) ApplyCommand(_ node.Env, _, _ int, command any) {
	s.commands = append(s.commands, command)
}

func (s *service) ApplySnapshot(_ node.Env, index, _ int, snapshot []byte) {
	s.snapIndex, s.snapshot, s.commands = index, snapshot, nil
}

func (s *service) ApplyNoop(node.Env, int) {}

// replica is a node that is only a replica's log.
type replica struct{ log *Log }

func (r replica) Handle(env node.Env, ev node.Event) { r.log.Handle(env, ev) }

// decided has replica 0's Paxos peer promise, accept and learn command at
// seq from peer 1: the promise and the acceptance are synced, and the log
// and its ledger with them, before the replies leave.
func decided(env *nodetest.Env, r replica, seq int, command string) {
	data, err := r.log.cfg.Codec.Encode(command)
	if err != nil {
		panic(err)
	}
	v := append([]byte{entryCommand}, data...)
	env.Deliver(r, 1, paxos.Prepare{Seq: seq, N: 11})
	env.Deliver(r, 1, paxos.Accept{Seq: seq, N: 11, V: v})
	env.Deliver(r, 1, paxos.Decide{Seq: seq, V: v})
}

// files is every file on d with its contents.
func files(d *nodetest.Disk) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range d.Names() {
		out[name], _ = d.ReadFile(name)
	}
	return out
}

// TestALostOrDamagedSnapshotIsRefusedAndNothingRewritten: a replica that
// told Paxos it was done with instances 0 and 1 holds them only in its
// snapshot; with the snapshot lost, or not one whole record holding the
// instance it covers, it refuses to start, naming the snapshot file, and
// leaves every file as it found it, rather than come back as a replica
// that skipped the instances Paxos forgot.
func TestALostOrDamagedSnapshotIsRefusedAndNothingRewritten(t *testing.T) {
	const snap = "paxoslog.snap"
	// The lost-snapshot check needs Paxos's Done, which only Paxos's
	// restore reads; over a torn tail that restore compacts Paxos's log
	// under a new generation, so the check runs in between
	// (paxos.Config.Restored), before any write.
	rewrite := func(fn func([]byte) []byte) func(*nodetest.Disk) {
		return func(d *nodetest.Disk) {
			b, _ := d.ReadFile(snap)
			d.WriteFile(snap, fn(b))
		}
	}
	for _, tc := range []struct {
		name   string
		damage func(*nodetest.Disk)
		refuse bool
		offset int64 // where the diagnosis says the damage starts
	}{
		{"undamaged", func(*nodetest.Disk) {}, false, 0},
		{"the snapshot lost", func(d *nodetest.Disk) { d.Remove(snap) }, true, -1},
		{"a byte flipped in the snapshot", rewrite(func(b []byte) []byte { b[len(b)-2] ^= 0x08; return b }), true, 0},
		{"a byte flipped in the snapshot's header", rewrite(func(b []byte) []byte { b[5] ^= 1; return b }), true, 0},
		{"the snapshot truncated", rewrite(func(b []byte) []byte { return b[:len(b)-3] }), true, 0},
		{"the snapshot zeroed", rewrite(func(b []byte) []byte { return make([]byte, len(b)) }), true, 0},
		{"the snapshot emptied", rewrite(func([]byte) []byte { return nil }), true, 0},
		{"bytes after the snapshot's record", rewrite(func(b []byte) []byte { return append(b, 0) }), true, int64(frame.Header + 1 + len("state@2"))},
		{"a whole record without the instance it covers", rewrite(func([]byte) []byte { return frame.Of([]byte{0x80}) }), true, frame.Header},
		{"the snapshot lost, and Paxos's log ending in a torn record", func(d *nodetest.Disk) {
			d.Remove(snap)
			rec := frame.Of(bytes.Repeat([]byte("w"), 40))
			d.Append("paxos.log.1", rec[:len(rec)-10])
		}, true, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Paxos: paxos.Config{Peers: []node.ID{0, 1, 2}}}
			env := nodetest.New(0, 1)
			r := replica{New(cfg, &service{})}
			env.Start(r, false)
			for seq, cmd := range []string{"a", "b", "c"} {
				decided(env, r, seq, cmd)
			}
			if r.log.Applied() != 3 {
				t.Fatalf("applied up to %d; want 3", r.log.Applied())
			}
			r.log.Snapshot(env, 2, []byte("state@2"))
			// Instance 3's promise and acceptance sync the Done record with
			// them; its decision, learned with no reply, is not synced.
			decided(env, r, 3, "d")
			if done := r.log.Paxos().DoneSelf(); done != 1 {
				t.Fatalf("Paxos was told done up to %d; want 1", done)
			}
			env.Crash()
			d := env.Store()
			tc.damage(d)
			d.Sync()
			before := files(d)

			svc := &service{}
			r = replica{New(cfg, svc)}
			refusal := env.Boot(r, true)
			if !tc.refuse {
				if refusal != nil {
					t.Fatalf("refused to start over an undamaged disk: %v", refusal)
				}
				if svc.snapIndex != 2 || string(svc.snapshot) != "state@2" || !slices.Equal(svc.commands, []any{"c"}) {
					t.Errorf("restored snapshot %q at %d, then %v; want \"state@2\" at 2, then [c]", svc.snapshot, svc.snapIndex, svc.commands)
				}
				if done := r.log.Paxos().DoneSelf(); done != 1 {
					t.Errorf("the restarted Paxos peer was told done up to %d; want 1", done)
				}
				return
			}
			if refusal == nil {
				t.Fatalf("started over a damaged snapshot, applied up to %d from a snapshot at %d", r.log.Applied(), svc.snapIndex)
			}
			if refusal.File != snap || refusal.Offset != tc.offset {
				t.Errorf("the diagnosis names %s at offset %d; want %s at %d: %v", refusal.File, refusal.Offset, snap, tc.offset, refusal)
			}
			if after := files(d); !maps.EqualFunc(before, after, bytes.Equal) {
				t.Errorf("refusing changed the files: %q became %q", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
		})
	}
}
