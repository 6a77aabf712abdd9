package rsm_test

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/rsm"
)

// clientNode is a node running one rsm.Client, for a hand-driven test.
type clientNode struct {
	c      *rsm.Client
	result []any
}

func (n *clientNode) Handle(env node.Env, ev node.Event) { n.c.Handle(env, ev) }

// TestAnAnswerAfterGivingUpIsKept: a client that gives up on an operation
// (GiveUpAfter) and then sends it Again gets the answer that came in
// between, at once. Without it, a network slower than the retry timeout
// answers every try after the client has given up on it, for ever.
func TestAnAnswerAfterGivingUpIsKept(t *testing.T) {
	env := nodetest.New(9, 1)
	n := &clientNode{c: rsm.NewClient(0)}
	n.c.GiveUpAfter(1)
	servers := []node.ID{0, 1}
	gaveUp := false
	n.c.Call(env, servers, "op", func(env node.Env, result any) {
		if result == nil {
			gaveUp = true
			return
		}
		n.result = append(n.result, result)
	})
	sent := env.Sent()
	req := sent[0].Msg.(rsm.Request)
	// Both servers stay silent past their retry timeouts: the client
	// gives up after one round.
	for !gaveUp {
		if _, ok := env.FireNext(n); !ok {
			t.Fatal("the client stopped without giving up")
		}
	}
	// The first server's answer comes now, late.
	env.Deliver(n, 0, rsm.Reply{ClientID: req.ClientID, Seq: req.Seq, Result: "done"})
	// The caller sends the operation Again (with the same sequence
	// number): the late answer completes it without asking anyone.
	env.Sent()
	n.c.Again(env, servers, func(env node.Env, result any) { n.result = append(n.result, result) })
	if _, ok := env.FireNext(n); !ok {
		t.Fatal("Again set no timer to hand over the late answer")
	}
	if len(n.result) != 1 || n.result[0] != "done" {
		t.Fatalf("results %v; want the late answer \"done\"", n.result)
	}
	if s := env.Sent(); len(s) != 0 {
		t.Errorf("Again asked a server again (%v) though the answer was in", s)
	}
	// A new operation does not take an old late answer.
	n.c.Call(env, servers, "next", func(env node.Env, result any) { n.result = append(n.result, result) })
	if s := env.Sent(); len(s) != 1 || s[0].Msg.(rsm.Request).Seq != req.Seq+1 {
		t.Errorf("the next operation sent %v; want its own request", s)
	}
}
