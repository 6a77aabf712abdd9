package sim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// TypeFault is what the network does to the messages of one Go type on top
// of their link's behaviour: duplicate them, or hold them back by a long
// extra delay. Aimed at one type (a reply, say), it makes an old answer
// arrive after the state it answered has changed, which a fault on every
// message makes rare.
type TypeFault struct {
	Dup      float64       // probability of a second copy
	TailProb float64       // probability of an extra delay
	TailMean time.Duration // the extra delay's exponential mean
	TailMax  time.Duration // its cap; 0: none
}

// Validate reports a setting no network could have.
func (f TypeFault) Validate() error {
	for _, p := range []float64{f.Dup, f.TailProb} {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return fmt.Errorf("sim: a type fault's probability %v is not in [0, 1]", p)
		}
	}
	if f.TailMean < 0 || f.TailMax < 0 {
		return fmt.Errorf("sim: a type fault's delays must not be negative")
	}
	return nil
}

// SetTypeFault sets what the network does to every message whose Go type
// is typeName, as %T prints it ("raft.AppendEntriesReply") or without its
// package ("AppendEntriesReply"); the zero TypeFault clears it.
func (nw *Network) SetTypeFault(typeName string, f TypeFault) {
	if err := f.Validate(); err != nil {
		panic(err)
	}
	if f == (TypeFault{}) {
		delete(nw.typeFaults, typeName)
	} else {
		if nw.typeFaults == nil {
			nw.typeFaults = map[string]TypeFault{}
		}
		nw.typeFaults[typeName] = f
	}
	nw.w.hash(0x7e9ef, node.HashString(typeName), math.Float64bits(f.Dup), math.Float64bits(f.TailProb), uint64(f.TailMean), uint64(f.TailMax))
	nw.traceNet("type", nil, fmt.Sprintf("messages of type %s: %+v", typeName, f))
}

// TypeFault is what the network does to messages of the type named
// typeName (the zero TypeFault for nothing).
func (nw *Network) TypeFault(typeName string) TypeFault { return nw.typeFaults[typeName] }

// ClearTypeFaults removes every TypeFault.
func (nw *Network) ClearTypeFaults() {
	if len(nw.typeFaults) == 0 {
		return
	}
	clear(nw.typeFaults)
	nw.w.hash(0x7e9ec)
	nw.traceNet("type", nil, "messages of every type: no type fault")
}

// typeFault is the fault set for msg's type, if any.
func (w *World) typeFault(msg any) (TypeFault, bool) {
	name := w.typeName(msg)
	if f, ok := w.net.typeFaults[name]; ok {
		return f, true
	}
	if i := strings.LastIndex(name, "."); i >= 0 {
		f, ok := w.net.typeFaults[name[i+1:]]
		return f, ok
	}
	return TypeFault{}, false
}
