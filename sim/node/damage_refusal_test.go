package node_test

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

func TestRefusal(t *testing.T) {
	d := &node.Damage{File: "raft.meta", Offset: -1, Found: "missing"}
	if got := node.Refusal(func() { node.Refuse(d) }); got != d {
		t.Errorf("a refusing boot: got %v, want the damage it refused over", got)
	}
	if got := node.Refusal(func() {}); got != nil {
		t.Errorf("a boot that starts: got %v, want nil", got)
	}
	defer func() {
		if r := recover(); r != "a crash" {
			t.Errorf("another panic: recovered %v, want it passed on", r)
		}
	}()
	node.Refusal(func() { panic("a crash") })
	t.Error("another panic was swallowed")
}
