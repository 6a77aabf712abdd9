package faults

import (
	"fmt"
	"strings"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// Target is a node argument resolved when its action takes place: a
// node's name always gives that node, a role the node that plays it then
// (false when none does).
type Target func() (node.ID, bool)

// Binder turns actions into what they do to one World. Op.Bind receives
// it to resolve node arguments and to build the common shapes of a fault.
type Binder struct {
	// W is the world the actions act on.
	W *sim.World
	// Base is the default link "calm" restores: the world's default when
	// its schedule was bound.
	Base sim.LinkConfig
	// Resolve resolves one node argument of an action: a node's name, or
	// a role the caller knows of. nil resolves names only (Names).
	Resolve func(a Action, arg string) (Target, error)

	a   Action
	err error
}

// NewBinder returns a binder for w that resolves node names only.
func NewBinder(w *sim.World) *Binder {
	return &Binder{W: w, Base: w.Net().Default()}
}

// Bind returns what a does to the binder's world when it takes place. It
// fails on an action that does not validate or that names a node the
// world does not have.
func (b *Binder) Bind(a Action) (func(), error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	o, _ := Lookup(a.Op)
	b.a, b.err = a, nil
	fn := o.Bind(b, a)
	if b.err != nil {
		return nil, b.err
	}
	return fn, nil
}

// Node resolves one node argument (a name, or a role through Resolve).
func (b *Binder) Node(arg string) Target {
	resolve := b.Resolve
	if resolve == nil {
		resolve = b.names
	}
	t, err := resolve(b.a, arg)
	if err != nil && b.err == nil {
		b.err = err
	}
	return t
}

// names resolves a node's name in the world, and nothing else.
func (b *Binder) names(a Action, arg string) (Target, error) {
	if id, ok := b.W.Lookup(arg); ok {
		return func() (node.ID, bool) { return id, true }, nil
	}
	var names []string
	for _, n := range b.W.Nodes() {
		names = append(names, b.W.Name(n))
	}
	return nil, fmt.Errorf("fault action %q names node %q, which the world does not have; its nodes are %s", a, arg, strings.Join(names, ", "))
}

// List resolves a comma-separated list of nodes.
func (b *Binder) List(spec string) []Target {
	var out []Target
	for _, n := range strings.Split(spec, ",") {
		out = append(out, b.Node(n))
	}
	return out
}

// Groups resolves groups of nodes, "A,B|C,D".
func (b *Binder) Groups(spec string) [][]Target {
	var out [][]Target
	for _, g := range strings.Split(spec, "|") {
		out = append(out, b.List(g))
	}
	return out
}

// resolve evaluates targets when the action takes place; a role that no
// node plays makes the action do nothing, and says so in the trace.
func (b *Binder) resolve(a Action, ts []Target) ([]node.ID, bool) {
	ids := make([]node.ID, len(ts))
	for i, t := range ts {
		id, ok := t()
		if !ok {
			names := a.Nodes()
			b.W.Logf("fault %s: %s plays no role now; nothing done", a, names[min(i, len(names)-1)])
			return nil, false
		}
		ids[i] = id
	}
	return ids, true
}

// On returns an action body that does do to t's node.
func (b *Binder) On(t Target, do func(node.ID)) func() {
	a := b.a
	return func() {
		if ids, ok := b.resolve(a, []Target{t}); ok {
			do(ids[0])
		}
	}
}

// OnAll returns an action body that does do to the nodes of ts, all
// resolved when it takes place.
func (b *Binder) OnAll(ts []Target, do func([]node.ID)) func() {
	a := b.a
	return func() {
		if ids, ok := b.resolve(a, ts); ok {
			do(ids)
		}
	}
}

// OnGroups is OnAll for groups of nodes.
func (b *Binder) OnGroups(gs [][]Target, do func([][]node.ID)) func() {
	a := b.a
	return func() {
		var out [][]node.ID
		for _, g := range gs {
			ids, ok := b.resolve(a, g)
			if !ok {
				return
			}
			out = append(out, ids)
		}
		do(out)
	}
}

// SetLink returns an action body that changes the world's default link.
func (b *Binder) SetLink(change func(*sim.LinkConfig)) func() {
	w := b.W
	return func() {
		l := w.Net().Default()
		change(&l)
		w.Net().SetDefault(l)
	}
}

// SetTypeFault returns an action body that changes what the network does to
// the messages of one type (sim.TypeFault), keeping the rest of it.
func (b *Binder) SetTypeFault(typeName string, change func(*sim.TypeFault)) func() {
	net := b.W.Net()
	return func() {
		f := net.TypeFault(typeName)
		change(&f)
		net.SetTypeFault(typeName, f)
	}
}

// Apply schedules every action of s on w, outside any scenario: a world
// driven by hand gets the same faults a scenario's would. Node names must
// exist in w; "calm" restores the network's default link as it is now.
func (s Schedule) Apply(w *sim.World) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := s.CheckSequence(func(string) bool { return false }); err != nil {
		return err
	}
	b := NewBinder(w)
	for _, a := range s {
		fn, err := b.Bind(a)
		if err != nil {
			return err
		}
		w.AtFirst(a.At, a.String(), fn)
	}
	return nil
}
