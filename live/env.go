package live

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// env is the node.Env of a live node: valid inside one handler call, whose
// sends and timers it collects and applies when the call returns.
type env struct {
	n     *Node
	sends []pendingSend
	armed []node.TimerID
}

type pendingSend struct {
	to  node.ID
	msg any
}

func (e *env) reset() {
	clear(e.sends)
	e.sends = e.sends[:0]
	e.armed = e.armed[:0]
}

// apply carries out the call's effects in program order of their kind:
// timers armed (those not stopped in the same call), then sends.
func (e *env) apply() {
	n := e.n
	inc := n.inc
	for _, id := range e.armed {
		t, ok := n.timers[id]
		if !ok {
			continue
		}
		t.t = time.AfterFunc(t.d, func() {
			select {
			case n.events <- event{kind: evTimer, inc: inc, timer: id}:
			case <-n.quit:
			}
		})
	}
	for _, s := range e.sends {
		if s.to == n.cfg.ID {
			n.self = append(n.self, s.msg) // to itself: after this call, never inside it
			continue
		}
		if n.cfg.Send != nil {
			n.cfg.Send(s.to, s.msg)
		}
	}
}

func (e *env) Self() node.ID { return e.n.cfg.ID }

// Now is the time since the node's process started it, on the monotonic
// clock.
func (e *env) Now() time.Duration { return time.Since(e.n.start) }

func (e *env) Rand() *node.Rand { return e.n.rand }

func (e *env) Send(to node.ID, msg any) { e.sends = append(e.sends, pendingSend{to, msg}) }

func (e *env) SetTimer(d time.Duration, tag any) node.TimerID {
	n := e.n
	n.nextTimer++
	id := n.nextTimer
	n.timers[id] = &timer{d: max(d, 0), tag: tag}
	e.armed = append(e.armed, id)
	return id
}

func (e *env) StopTimer(id node.TimerID) {
	n := e.n
	if t, ok := n.timers[id]; ok {
		if t.t != nil {
			t.t.Stop()
		}
		delete(n.timers, id)
	}
}

func (e *env) Disk() node.Disk { return e.n.disk }

// Compute is ignored: a live node's CPU time is real.
func (e *env) Compute(time.Duration) {}

func (e *env) Logf(format string, args ...any) { e.n.logf("%s", fmt.Sprintf(format, args...)) }

func (e *env) Mark(m node.Mark) {
	name := m.Info().Name
	v, ok := e.n.marks.Load(name)
	if !ok {
		v, _ = e.n.marks.LoadOrStore(name, new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(1)
}

var _ node.Env = (*env)(nil)
