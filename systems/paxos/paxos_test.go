package paxos

import (
	"bytes"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
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

// TestATornTailIsDropped: a record cut short by a crash is dropped at
// restart, and what came before it is kept.
func TestATornTailIsDropped(t *testing.T) {
	env := nodetest.New(1, 1)
	h := peerNode{New(Config{Peers: three})}
	env.Start(h, false)
	env.Deliver(h, 0, Prepare{Seq: 1, N: 10})
	env.Deliver(h, 0, Accept{Seq: 1, N: 10, V: bytes.Repeat([]byte("v"), 100)})
	d := env.Store()
	b, _ := d.ReadFile("paxos.log")
	d.WriteFile("paxos.log", b[:len(b)-30]) // the accept record torn
	d.Sync()

	h = peerNode{New(Config{Peers: three})}
	env.Start(h, true)
	if env.Marked("paxos/torn-tail-dropped") != 1 {
		t.Error("the torn record was not dropped")
	}
	if n, v := h.px.Accepted(1); n != 0 || v != nil {
		t.Errorf("a torn acceptance was restored: (%d, %q)", n, v)
	}
	env.Deliver(h, 2, Prepare{Seq: 1, N: 9})
	if r := lastSent[PrepareReply](t, env); r.OK {
		t.Errorf("the promise of 10 before the torn record was lost: proposal 9 got %+v", r)
	}
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
