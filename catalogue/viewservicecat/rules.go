package viewservicecat

import (
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// The oracle of checker.ViewRules, checked on every event. It is fed the
// pings the view service receives, before a broken variant's wrapper can
// rewrite them; the views it hands out, as they reach a server; and the
// view it holds, read once each of its events took effect (a crash inside
// a handler keeps only part of it, and the memory is gone). A restarted
// service begins again at view 0, so each incarnation has rules of its
// own, and a late reply of an earlier one is not held against it.

// viewOracle watches the view service vs of a world.
type viewOracle struct {
	w    *sim.World
	vs   node.ID
	host *vsHost // the running incarnation's node
	err  error   // the first rule broken
}

// vsHost is one incarnation of the view service's node: the service (or a
// test's broken variant of it), the rules it is held to, and the views it
// handed out.
type vsHost struct {
	h       node.Handler
	o       *viewOracle
	rules   *checker.ViewRules
	sent    map[checker.PBView]bool
	base    node.Env // the Env it was handed
	env     node.Env // and the one it hands the service, made once
	handled bool     // it handled an event since the last check
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
		e.h.sent[pbView(m.View)] = true
	case viewservice.QueryReply:
		e.h.sent[pbView(m.View)] = true
	}
	e.Env.Send(to, msg)
}

// watch wraps the view service's factory: every incarnation is checked by
// rules of its own.
func (o *viewOracle) watch(f node.Factory) node.Factory {
	return func() node.Handler {
		rules := checker.NewViewRules()
		rules.Names = func(s int) string { return o.w.Name(node.ID(s)) }
		o.host = &vsHost{h: f(), o: o, rules: rules, sent: map[checker.PBView]bool{}}
		return o.host
	}
}

// revealed checks a view a reply from the service carried to a server or
// a client, as it arrives.
func (o *viewOracle) revealed(v viewservice.View) {
	pv := pbView(v)
	if o.host == nil || !o.host.sent[pv] {
		return // an earlier incarnation's
	}
	o.fail(o.host.rules.Revealed(pv))
}

// fail keeps the first rule broken.
func (o *viewOracle) fail(err error) {
	if err != nil && o.err == nil {
		o.err = err
	}
}

// check is the invariant of every event: the view the service holds, once
// an event of its took effect, and the first rule broken.
func (o *viewOracle) check() error {
	if h := o.host; h != nil && h.handled {
		h.handled = false
		if o.w.Up(o.vs) && o.w.Handler(o.vs) == node.Handler(h) {
			if s, ok := node.Unwrap(h).(*viewservice.Server); ok {
				o.fail(h.rules.Holds(pbView(s.View())))
			}
		}
	}
	if o.err != nil {
		return o.err
	}
	return nil
}

// pbView is the checker's view of a view.
func pbView(v viewservice.View) checker.PBView {
	return checker.PBView{Viewnum: v.Viewnum, Primary: int(v.Primary), Backup: int(v.Backup)}
}
