package harness

import (
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// The oracle of checker.ViewRules, checked on every event, for the view
// service's catalogue and the primary/backup one alike. It is fed
// the pings the view service receives, before a broken variant's wrapper
// can rewrite them; the views it hands out, as they reach a server or a
// client; and the view it holds, read once each of its events took effect
// (a crash inside a handler keeps only part of it, and the memory is
// gone). A restarted service begins again at view 0, so each incarnation
// has rules of its own, and a late reply of an earlier one is not held
// against it.

// ViewOracle watches the view service of a world: wrap its factory with
// Watch, set VS to its node, feed it the views replies carry as they
// arrive (Revealed), and observe Check after every event.
type ViewOracle struct {
	w    *sim.World
	VS   node.ID
	host *vsHost // the running incarnation's node
	err  error   // the first rule broken
	// First, when set, is told the server incarnation that started the
	// state, once the service is seen to make it primary of view 1.
	First func(server int, incarnation uint64)
}

// NewViewOracle returns the oracle of w's view service.
func NewViewOracle(w *sim.World) *ViewOracle { return &ViewOracle{w: w} }

// vsHost is one incarnation of the view service's node: the service (or a
// test's broken variant of it), the rules it is held to, and the views it
// handed out.
type vsHost struct {
	h       node.Handler
	o       *ViewOracle
	rules   *checker.ViewRules
	sent    map[checker.PBView]bool
	base    node.Env // the Env it was handed
	env     node.Env // and the one it hands the service, made once
	handled bool     // it handled an event since the last check
	founded bool     // its first view was told to ViewOracle.First
}

// Unwrap is the service inside, for node.Unwrap.
func (h *vsHost) Unwrap() node.Handler { return h.h }

// Handle notes a ping as it arrives, and the views the service sends.
func (h *vsHost) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		if p, ok := r.Msg.(viewservice.Ping); ok {
			h.rules.Pinged(int(r.From), p.Viewnum, p.Incarnation)
		}
	}
	if h.base != env {
		h.base, h.env = env, vsEnv{env, h}
	}
	h.h.Handle(h.env, ev)
	h.handled = true
}

// vsEnv is the service's Env, noting the views it hands out.
type vsEnv struct {
	node.Env
	h *vsHost
}

// Send notes the view a reply carries.
func (e vsEnv) Send(to node.ID, msg any) {
	switch m := msg.(type) {
	case viewservice.PingReply:
		e.h.sent[PBView(m.View)] = true
	case viewservice.QueryReply:
		e.h.sent[PBView(m.View)] = true
	}
	e.Env.Send(to, msg)
}

// Watch wraps the view service's factory: every incarnation is checked by
// rules of its own.
func (o *ViewOracle) Watch(f node.Factory) node.Factory {
	return func() node.Handler {
		rules := checker.NewViewRules()
		rules.Names = func(s int) string { return o.w.Name(node.ID(s)) }
		o.host = &vsHost{h: f(), o: o, rules: rules, sent: map[checker.PBView]bool{}}
		return o.host
	}
}

// Revealed checks a view a reply from the service carried to a server or
// a client, as it arrives.
func (o *ViewOracle) Revealed(v viewservice.View) {
	pv := PBView(v)
	if o.host == nil || !o.host.sent[pv] {
		return // an earlier incarnation's
	}
	o.fail(o.host.rules.Revealed(pv))
}

// fail keeps the first rule broken.
func (o *ViewOracle) fail(err error) {
	if err != nil && o.err == nil {
		o.err = err
	}
}

// Check is the invariant of every event: the view the service holds, once
// an event of its took effect, and the first rule broken.
func (o *ViewOracle) Check() error {
	if h := o.host; h != nil && h.handled {
		h.handled = false
		if o.w.Up(o.VS) && o.w.Handler(o.VS) == node.Handler(h) {
			if s, ok := node.Unwrap(h).(*viewservice.Server); ok {
				o.fail(h.rules.Holds(PBView(s.View())))
				if server, inc, ok := h.rules.First(); ok && !h.founded && o.First != nil {
					h.founded = true
					o.First(server, inc)
				}
			}
		}
	}
	if o.err != nil {
		return o.err
	}
	return nil
}

// PBView is the checker's view of a view.
func PBView(v viewservice.View) checker.PBView {
	return checker.PBView{Viewnum: v.Viewnum, Primary: int(v.Primary), Backup: int(v.Backup)}
}
