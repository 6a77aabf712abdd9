package viewservice

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Pinger is a server's side: it pings the view service every PingInterval
// with the latest view it knows (or acknowledges; see Hold) and keeps the
// view the service answers. Build it in the server's factory and pass it
// every event first.
type Pinger struct {
	vs   node.ID
	self node.ID
	inc  uint64 // this incarnation's, drawn at Start
	view View
	// Hold, while set, keeps the pinger acknowledging only this view
	// number at most (tests of the service's waiting for acks).
	Hold      func() (uint64, bool)
	heard     bool          // the service has answered this incarnation
	lastHeard time.Duration // when, by this node's clock
}

type pingTick struct{}

// NewPinger returns a pinger of the view service vs.
func NewPinger(vs node.ID) *Pinger { return &Pinger{vs: vs, view: Empty()} }

// Self is the server's own ID, known from its Start.
func (p *Pinger) Self() node.ID { return p.self }

// View is the latest view the service told this server.
func (p *Pinger) View() View { return p.view }

// InTouch reports whether the view service answered within the last
// DeadPings−1 ping intervals, by this node's clock (now: env.Now()): a
// primary out of touch longer may have been declared dead and replaced.
// It counts time, not missed pings, so that a node paused past the dead
// interval is out of touch the moment it resumes.
func (p *Pinger) InTouch(now time.Duration) bool {
	return p.heard && now-p.lastHeard < (DeadPings-1)*PingInterval
}

// Handle takes the pinger's timer and replies and reports whether the
// event was its; it starts pinging on the node's Start.
func (p *Pinger) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Start:
		p.self = env.Self()
		p.inc = env.Rand().Uint64() | 1
		p.ping(env)
		return false
	case *node.Timeout:
		if _, ok := ev.Tag.(pingTick); ok {
			p.ping(env)
			return true
		}
	case *node.Recv:
		if r, ok := ev.Msg.(PingReply); ok && ev.From == p.vs {
			p.heard, p.lastHeard = true, env.Now()
			if r.View.Viewnum >= p.view.Viewnum {
				p.view = r.View
			}
			return true
		}
	}
	return false
}

func (p *Pinger) ping(env node.Env) {
	n := p.view.Viewnum
	if p.Hold != nil {
		if hold, ok := p.Hold(); ok && n > hold {
			n = hold
		}
	}
	env.Send(p.vs, Ping{Viewnum: n, Incarnation: p.inc})
	env.SetTimer(PingInterval, pingTick{})
}
