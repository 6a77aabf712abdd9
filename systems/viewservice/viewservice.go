// Package viewservice decides, for a primary/backup service, which server
// is primary and which is backup, as a sequence of numbered views.
//
// Servers ping the view service every PingInterval with the number of the
// latest view they know and their incarnation; the service answers with
// its current view. A server not heard from for DeadPings intervals is
// dead, and so is one in the view that pings with a new incarnation (it
// restarted and lost its state). The service moves to a new view only once the primary of the
// current one has acknowledged it (pinged with its number), so a primary
// always knows the view it serves in; until then it waits, whatever fails.
// The first server to ping becomes primary of view 1; later, only the
// backup can become primary, so a server that never held the state never
// serves it. An idle server becomes backup when there is none.
//
// The view service is one node, and a single point of failure: while it is
// down or cut off, no view changes, and a primary it cannot reach keeps
// serving until its own pings go unanswered (package pbservice's servers
// stop answering then).
package viewservice

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// View is a numbered assignment of primary and backup; node.None for none.
type View struct {
	Viewnum uint64
	Primary node.ID
	Backup  node.ID
}

// Empty is view 0: nobody.
func Empty() View { return View{Primary: node.None, Backup: node.None} }

// PingInterval is how often servers ping; DeadPings is how many intervals
// of silence make a server dead.
const (
	PingInterval = 100 * time.Millisecond
	DeadPings    = 5
)

// Ping is a server's ping: the latest view it knows, and its incarnation,
// drawn at each start. A changed incarnation is how the service tells a
// restart: the lab's rule, a ping of view 0, takes a server whose first
// answer was lost on the network for one that restarted.
type Ping struct{ Viewnum, Incarnation uint64 }

// PingReply is the current view.
type PingReply struct{ View View }

// Query asks for the current view (clients).
type Query struct{}

// QueryReply is the current view.
type QueryReply struct{ View View }

func (Ping) Size() int       { return 16 }
func (PingReply) Size() int  { return 24 }
func (Query) Size() int      { return 1 }
func (QueryReply) Size() int { return 24 }

// Server is the view service's node.
type Server struct {
	view     View
	acked    bool // the primary acknowledged view
	lastPing map[node.ID]time.Duration
	inc      map[node.ID]uint64 // each server's incarnation, as last pinged
	restart  map[node.ID]bool   // restarted while in a view
}

type tick struct{}

// NewServer returns the factory of the view service. A restarted view
// service starts from view 0 again (its state is in memory).
func NewServer() node.Factory {
	return func() node.Handler {
		return &Server{view: Empty(), acked: true, lastPing: map[node.ID]time.Duration{}, inc: map[node.ID]uint64{}, restart: map[node.ID]bool{}}
	}
}

// View returns the current view, for checkers.
func (s *Server) View() View { return s.view }

// Acked reports whether the current view's primary acknowledged it.
func (s *Server) Acked() bool { return s.acked }

// Stuck reports whether the service can never move on by its rules: the
// primary of the current view is dead or restarted, and either it never
// acknowledged the view, or there is no live backup to promote. now is
// the view service's clock (env.Now() inside its node; World.Clock from
// outside).
func (s *Server) Stuck(now time.Duration) bool {
	if s.view.Viewnum == 0 {
		return false
	}
	last, ok := s.lastPing[s.view.Primary]
	primaryAlive := ok && now-last < DeadPings*PingInterval && !s.restart[s.view.Primary]
	if primaryAlive {
		return false
	}
	if !s.acked {
		return true
	}
	b := s.view.Backup
	last, ok = s.lastPing[b]
	return b == node.None || !(ok && now-last < DeadPings*PingInterval && !s.restart[b])
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		env.SetTimer(PingInterval, tick{})
	case *node.Timeout:
		if _, ok := ev.Tag.(tick); ok {
			s.tick(env)
			env.SetTimer(PingInterval, tick{})
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case Ping:
			s.ping(env, ev.From, m.Viewnum, m.Incarnation)
			env.Send(ev.From, PingReply{View: s.view})
		case Query:
			env.Send(ev.From, QueryReply{View: s.view})
		}
	}
}

func (s *Server) ping(env node.Env, from node.ID, viewnum, inc uint64) {
	s.lastPing[from] = env.Now()
	old, known := s.inc[from]
	s.inc[from] = inc
	if known && old != inc && (from == s.view.Primary || from == s.view.Backup) && s.view.Viewnum > 0 {
		env.Mark(markRestarted)
		s.restart[from] = true // restarted: it lost its state
	} else if from != s.view.Primary && from != s.view.Backup {
		delete(s.restart, from) // out of the view now: it may come back as backup
	}
	if from == s.view.Primary && viewnum == s.view.Viewnum {
		s.acked = true
	}
	if s.view.Viewnum == 0 && viewnum == 0 {
		s.change(env, from, node.None) // the first server is the first primary
		return
	}
	s.tick(env)
}

// alive reports whether server id pinged recently and did not restart.
func (s *Server) alive(env node.Env, id node.ID) bool {
	last, ok := s.lastPing[id]
	return id != node.None && ok && env.Now()-last < DeadPings*PingInterval && !s.restart[id]
}

// idle is a live server in neither role, the lowest ID first.
func (s *Server) idle(env node.Env) node.ID {
	for _, id := range node.SortedKeys(s.lastPing) {
		if id != s.view.Primary && id != s.view.Backup && s.alive(env, id) {
			return id
		}
	}
	return node.None
}

// tick applies the rules, once the primary has acknowledged the view.
func (s *Server) tick(env node.Env) {
	if !s.acked || s.view.Viewnum == 0 {
		if !s.acked {
			env.Mark(markWaitingForAck)
		}
		return
	}
	p, b := s.view.Primary, s.view.Backup
	switch {
	case !s.alive(env, p):
		if b == node.None || !s.alive(env, b) {
			env.Mark(markStuck)
			return // no backup holds the state: nobody may become primary
		}
		s.change(env, b, s.idle(env))
	case b != node.None && !s.alive(env, b):
		s.change(env, p, s.idle(env))
	case b == node.None:
		if id := s.idle(env); id != node.None {
			s.change(env, p, id)
		}
	}
}

func (s *Server) change(env node.Env, primary, backup node.ID) {
	s.view = View{Viewnum: s.view.Viewnum + 1, Primary: primary, Backup: backup}
	s.acked = false
	if backup != node.None {
		delete(s.restart, backup)
	}
}

var (
	//simlab:readonly a mark is an ID fixed at init, never written after
	markRestarted = node.NewMark("viewservice/restart-seen",
		"a server in the view pinged view 0: it restarted, and counts as dead")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markWaitingForAck = node.NewMark("viewservice/waiting-for-ack",
		"the view service held a view change back because the primary had not acknowledged the current view")
	//simlab:readonly a mark is an ID fixed at init, never written after
	markStuck = node.NewMark("viewservice/stuck-without-backup",
		"the primary died with no live backup: no server may take over")
)
