package faults

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/simlab-go/simlab/sim"
)

// Op is one fault operation: everything simlab knows about it, in one
// place. Only Name, Args, Doc and Bind are required.
type Op struct {
	// Name is the operation's word in the text form: "crash".
	Name string
	// Args is the operation's grammar, one entry per argument in order;
	// optional ones come last.
	Args []Arg
	// Doc says what the operation does, for the list of operations.
	Doc string
	// Life says whether the operation takes a node down or brings nodes
	// back, which is how a schedule is checked for a restart of a node
	// that is up or a second crash of one that is down.
	Life Life
	// Bind returns what the action does to b's world when it takes place.
	// The action has passed Validate, so its arguments parse; Bind
	// resolves node names and roles through b (which reports a name the
	// world does not have).
	Bind func(b *Binder, a Action) func()
	// Simpler lists smaller variants of an action the arguments' own
	// shrinks do not find (a plain crash for one inside a handler, a
	// partition with a node fewer), most useful first; nil if none.
	Simpler func(a Action) []Action
	// Coverage lists the kinds of fault this operation makes active in
	// the World (sim.FaultKind), the columns a coverage table counts
	// mark hits under; empty for one that only undoes others.
	Coverage []sim.FaultKind
	// Swarm says what a swarm profile draws of this operation; nil for an
	// operation swarms never draw.
	Swarm *Swarm
}

// Arg is one argument of an operation: its place in the grammar, its
// check, the nodes it names and how it shrinks.
type Arg struct {
	// Name is how the grammar shows it: NODE, DUR, "A,B|C,D[|...]".
	Name string
	// Optional arguments may be left out (from the end).
	Optional bool
	// Check reports what is wrong with a value, in words that complete
	// "fault action X: "; nil accepts any word.
	Check func(v string) error
	// Nodes lists the node names (or roles) a value names; nil for an
	// argument that names none.
	Nodes func(v string) []string
	// Shrink returns a smaller value (half a duration or a rate), or
	// false; nil for an argument that does not shrink.
	Shrink func(v string) (string, bool)
	// Drop returns the value without the nodes gone reports (for a list
	// or groups of nodes); nil means an action naming a gone node here is
	// dropped whole.
	Drop func(v string, gone func(string) bool) string
}

// Life is what an operation does to whether nodes are up.
type Life uint8

const (
	Keeps      Life = iota // leaves every node as it is (a pause is not a crash)
	TakesDown              // takes its node down: crash, crash-mid
	BringsUp               // brings its node back: restart
	RevivesAll             // brings every node back: calm
)

// Grammar is the operation's arguments as the list of operations shows
// them: "NODE [DUR]".
func (o *Op) Grammar() string {
	var parts []string
	for _, a := range o.Args {
		if a.Optional {
			parts = append(parts, "["+a.Name+"]")
		} else {
			parts = append(parts, a.Name)
		}
	}
	return strings.Join(parts, " ")
}

// argCount is the fewest and most arguments the operation takes.
func (o *Op) argCount() (least, most int) {
	for _, a := range o.Args {
		if !a.Optional {
			least++
		}
	}
	return least, len(o.Args)
}

// Nodes lists the node names (or roles) the action names, in argument
// order.
func (a Action) Nodes() []string {
	o, ok := Lookup(a.Op)
	if !ok {
		return nil
	}
	var out []string
	for i, v := range a.Args {
		if i < len(o.Args) && o.Args[i].Nodes != nil {
			out = append(out, o.Args[i].Nodes(v)...)
		}
	}
	return out
}

// The table of operations: the built-in ones (ops.go), in the order
// they are listed, then any registered later.
var table struct {
	sync.RWMutex
	ops []*Op
}

func init() {
	for i := range builtin {
		table.ops = append(table.ops, &builtin[i])
	}
}

// Ops lists every operation, in table order: the order the list of
// operations shows them in, and the order a swarm profile draws them in.
func Ops() []*Op {
	table.RLock()
	defer table.RUnlock()
	return slices.Clone(table.ops)
}

// Lookup returns the operation of that name.
func Lookup(name string) (*Op, bool) {
	table.RLock()
	defer table.RUnlock()
	for _, o := range table.ops {
		if o.Name == name {
			return o, true
		}
	}
	return nil, false
}

// Register adds an operation to the table, after every other, and returns
// a function that removes it again (for a test). It panics on an entry
// without a name, grammar check or Bind, and on a name already taken.
func Register(o Op) (unregister func()) {
	if o.Name == "" || o.Bind == nil || strings.ContainsAny(o.Name, " ;/#") {
		panic(fmt.Sprintf("faults: Register(%q): an operation needs a name (one word) and a Bind", o.Name))
	}
	seenOptional := false
	for _, a := range o.Args {
		if seenOptional && !a.Optional {
			panic(fmt.Sprintf("faults: Register(%q): argument %s follows an optional one; optional arguments come last", o.Name, a.Name))
		}
		seenOptional = seenOptional || a.Optional
	}
	table.Lock()
	defer table.Unlock()
	for _, x := range table.ops {
		if x.Name == o.Name {
			panic(fmt.Sprintf("faults: Register(%q): an operation of that name exists", o.Name))
		}
	}
	p := &o
	table.ops = append(table.ops, p)
	return func() {
		table.Lock()
		defer table.Unlock()
		table.ops = slices.DeleteFunc(table.ops, func(x *Op) bool { return x == p })
	}
}
