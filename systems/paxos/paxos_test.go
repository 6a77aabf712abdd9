package paxos

import (
	"bytes"
	"maps"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/internal/frame"
)

// peerNode is a node that is only a Paxos peer.
type peerNode struct{ px *Paxos }

func (h peerNode) Handle(env node.Env, ev node.Event) { h.px.Handle(env, ev) }

var three = []node.ID{0, 1, 2}

// lastSent is the last message env sent, of type T.
func lastSent[T any](t *testing.T, env *nodetest.Env) T {
	t.Helper()
	sent := env.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if m, ok := sent[i].Msg.(T); ok {
			return m
		}
	}
	var zero T
	t.Fatalf("no %T sent; sent %v", zero, sent)
	return zero
}

// TestPromisesSurviveACrash: a promise and an acceptance are synced before
// the reply leaves, so a peer rebuilt from the disk after the harshest
// crash (no unsynced write kept) still refuses a lower proposal and still
// reports what it accepted.
func TestPromisesSurviveACrash(t *testing.T) {
	env := nodetest.New(1, 1)
	h := peerNode{New(Config{Peers: three})}
	env.Start(h, false)
	env.Deliver(h, 0, Prepare{Seq: 4, N: 10})
	if r := lastSent[PrepareReply](t, env); !r.OK {
		t.Fatalf("a fresh acceptor refused proposal 10: %+v", r)
	}
	env.Deliver(h, 0, Accept{Seq: 4, N: 10, V: []byte("x")})
	if r := lastSent[AcceptReply](t, env); !r.OK {
		t.Fatalf("accept of the promised proposal refused: %+v", r)
	}
	env.Deliver(h, 2, Prepare{Seq: 5, N: 20})
	env.Crash()

	h = peerNode{New(Config{Peers: three})}
	env.Start(h, true)
	if env.Marked("paxos/restart-with-state") != 1 {
		t.Error("the restart was not marked as rebuilding state")
	}
	env.Deliver(h, 2, Prepare{Seq: 5, N: 19})
	if r := lastSent[PrepareReply](t, env); r.OK || r.Highest != 20 {
		t.Errorf("after a crash, proposal 19 for instance 5 got %+v; want it refused below the promise of 20", r)
	}
	env.Deliver(h, 2, Prepare{Seq: 4, N: 30})
	if r := lastSent[PrepareReply](t, env); !r.OK || r.NA != 10 || !bytes.Equal(r.VA, []byte("x")) {
		t.Errorf("after a crash, instance 4's promise reply is %+v; want the accepted (10, \"x\")", r)
	}
}

// TestATornTailIsDroppedAndDamageRefused: a record cut short by a crash
// past what was synced is dropped at restart, and what came before it is
// kept; damage to what was synced makes the peer refuse to start, naming
// the file, and leaves every file as it found it.
func TestATornTailIsDroppedAndDamageRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(d *nodetest.Disk)
		refuse string // the file the diagnosis names; "" when the peer must start
	}{
		{"a torn unsynced append", func(d *nodetest.Disk) {
			rec := frame.Of(append(record(recAccept, 1, 11), bytes.Repeat([]byte("w"), 100)...))
			d.Append("paxos.log.1", rec[:len(rec)-30])
		}, ""},
		{"a flipped byte", func(d *nodetest.Disk) {
			b, _ := d.ReadFile("paxos.log.1")
			b[len(b)-40] ^= 0x10
			d.WriteFile("paxos.log.1", b)
		}, "paxos.log.1"},
		{"a truncated log", func(d *nodetest.Disk) {
			b, _ := d.ReadFile("paxos.log.1")
			d.WriteFile("paxos.log.1", b[:len(b)-30])
		}, "paxos.log.1"},
		{"a zeroed log", func(d *nodetest.Disk) {
			b, _ := d.ReadFile("paxos.log.1")
			d.WriteFile("paxos.log.1", make([]byte, len(b)))
		}, "paxos.log.1"},
		{"a lost log", func(d *nodetest.Disk) { d.Remove("paxos.log.1") }, "paxos.log.1"},
		{"a lost meta", func(d *nodetest.Disk) { d.Remove("paxos.meta") }, "paxos.meta"},
		{"a flipped meta", func(d *nodetest.Disk) {
			b, _ := d.ReadFile("paxos.meta")
			b[5] ^= 1
			d.WriteFile("paxos.meta", b)
		}, "paxos.meta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := nodetest.New(1, 1)
			h := peerNode{New(Config{Peers: three})}
			env.Start(h, false)
			env.Deliver(h, 0, Prepare{Seq: 1, N: 10})
			env.Deliver(h, 0, Accept{Seq: 1, N: 10, V: bytes.Repeat([]byte("v"), 100)})
			d := env.Store()
			tc.damage(d)
			d.Sync()
			before := snapshotFiles(d)

			h = peerNode{New(Config{Peers: three})}
			refusal := env.Boot(h, true)
			if tc.refuse != "" {
				if refusal == nil || refusal.File != tc.refuse {
					t.Fatalf("refusal %v; want one naming %s", refusal, tc.refuse)
				}
				if after := snapshotFiles(d); !maps.EqualFunc(before, after, bytes.Equal) {
					t.Errorf("refusing changed the files: %q became %q", before, after)
				}
				return
			}
			if refusal != nil {
				t.Fatalf("refused to start over a torn tail: %v", refusal)
			}
			if env.Marked("paxos/torn-tail-dropped") != 1 {
				t.Error("the torn record was not dropped")
			}
			if n, v := h.px.Accepted(1); n != 10 || len(v) != 100 {
				t.Errorf("the synced acceptance was not restored whole: (%d, %d bytes)", n, len(v))
			}
			env.Deliver(h, 2, Prepare{Seq: 1, N: 9})
			if r := lastSent[PrepareReply](t, env); r.OK {
				t.Errorf("the promise of 10 before the torn record was lost: proposal 9 got %+v", r)
			}
		})
	}
}

func snapshotFiles(d *nodetest.Disk) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range d.Names() {
		out[name], _ = d.ReadFile(name)
	}
	return out
}

// TestForgettingIsRemembered: instances below Min are forgotten, the file
// shrinks, and a restarted peer still answers Forgotten for them rather
// than promising afresh.
func TestForgettingIsRemembered(t *testing.T) {
	env := nodetest.New(0, 1)
	h := peerNode{New(Config{Peers: three})}
	env.Start(h, false)
	big := bytes.Repeat([]byte("b"), 10000)
	for seq := 0; seq < 5; seq++ {
		env.Deliver(h, 1, Prepare{Seq: seq, N: 5})
		env.Deliver(h, 1, Accept{Seq: seq, N: 5, V: big})
		env.Deliver(h, 1, Decide{Seq: seq, V: big})
	}
	before := h.px.PersistedSize()
	h.px.Done(env, 3)
	env.Deliver(h, 1, Decide{Seq: 4, V: big, Done: 3})
	env.Deliver(h, 2, DoneNotice{Done: 3})
	if m := h.px.Min(); m != 4 {
		t.Fatalf("Min() = %d after every peer is done with 3; want 4", m)
	}
	if f, _ := h.px.Status(2); f != Forgotten {
		t.Errorf("instance 2 is %v below Min; want forgotten", f)
	}
	if h.px.Retained() != 1 || h.px.PersistedSize() >= before/2 {
		t.Errorf("%d instances retained, %d bytes on disk (from %d); want 1 and the file compacted", h.px.Retained(), h.px.PersistedSize(), before)
	}
	env.Crash()
	h = peerNode{New(Config{Peers: three})}
	env.Start(h, true)
	env.Deliver(h, 2, Prepare{Seq: 2, N: 100})
	if r := lastSent[PrepareReply](t, env); r.OK || !r.Forgotten {
		t.Errorf("after a restart, a prepare for forgotten instance 2 got %+v; want it answered forgotten", r)
	}
	if f, v := h.px.Status(4); f != Decided || !bytes.Equal(v, big) {
		t.Errorf("instance 4 after a restart: %v; want decided with its value", f)
	}
}

// TestAnInstanceAnAcceptorForgotIsForgottenHere: a peer that restarted
// knows only its own Done, so its Min stays where a peer it has not heard
// from since leaves it; proposing for an instance it still holds as
// pending, it hears from an acceptor that the instance was forgotten (every
// peer was done with it) and forgets it too, instead of leaving it pending
// for ever with nobody left to decide it.
func TestAnInstanceAnAcceptorForgotIsForgottenHere(t *testing.T) {
	env := nodetest.New(0, 1)
	h := peerNode{New(Config{Peers: three})}
	env.Start(h, false)
	h.px.Done(env, 5)
	h.px.Start(env, 1, []byte("late"))
	p := lastSent[Prepare](t, env)
	if f, _ := h.px.Status(1); f != Pending || h.px.Min() != 0 {
		t.Fatalf("before the answer: instance 1 %v, Min %d; want pending and 0 (peers 1 and 2 unheard)", f, h.px.Min())
	}
	env.Deliver(h, 1, PrepareReply{Seq: 1, N: p.N, Forgotten: true, Done: 7})
	if f, _ := h.px.Status(1); f != Forgotten {
		t.Errorf("instance 1 an acceptor forgot is %v here; want forgotten", f)
	}
	if f, _ := h.px.Status(0); f != Forgotten {
		t.Errorf("instance 0, below it, is %v; want forgotten", f)
	}
	if f, _ := h.px.Status(2); f != Pending {
		t.Errorf("instance 2, above it, is %v; want pending", f)
	}
}

// TestProposalNumbersAreUniqueAndGrow: every peer's numbers are its own,
// and each is above every number the peer has seen.
func TestProposalNumbersAreUniqueAndGrow(t *testing.T) {
	seen := map[int]int{}
	for i := range three {
		px := New(Config{Peers: three})
		px.meIndex = i
		px.seeProposal(41)
		for k := 0; k < 5; k++ {
			n := px.nextN()
			if n <= 41 {
				t.Errorf("peer %d proposed %d after seeing 41", i, n)
			}
			if other, dup := seen[n]; dup {
				t.Errorf("peers %d and %d both proposed %d", other, i, n)
			}
			seen[n] = i
		}
	}
}
