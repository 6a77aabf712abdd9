package pbservice

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

type record struct {
	seq   uint64
	value string
}

// Server is one replica: primary, backup or idle, as its view says.
type Server struct {
	ping *viewservice.Pinger
	data map[string]string
	last map[uint64]record // by client: its last operation applied
	// version counts the operations applied to data, here or, for a
	// state received whole, at the primary that sent it. Within one view
	// the primary's history is a line and the backup's state a prefix of
	// it; across views it is not (a backup may have applied a forward its
	// primary never did), so xferView, the view of the transfer this
	// server installed last, says which line version counts on.
	version  uint64
	xferView uint64
	// ready says this incarnation holds the service's state: it was the
	// first primary (view 1) or received the whole state from a primary.
	// A restarted server is not ready, whatever view it hears of first:
	// restarted says so, even of view 1, whose first primary it was.
	ready     bool
	restarted bool
	synced    node.ID // the backup that has the whole state; None for none
	syncFor   uint64  // the view the transfer was for
	// queue holds the client requests waiting for the backup, oldest
	// first: only the oldest is forwarded, so the backup applies in the
	// order the primary does.
	queue []inflight
}

type inflight struct {
	from node.ID
	req  Request
}

type retryTick struct{}

const retryInterval = 50 * time.Millisecond

// NewServer returns the factory of a server of the view service vs.
func NewServer(vs node.ID) node.Factory {
	return func() node.Handler {
		s := &Server{data: map[string]string{}, last: map[uint64]record{}, synced: node.None}
		s.ping = viewservice.NewPinger(vs)
		// Acknowledge a view naming a new backup only once it has the state.
		s.ping.Hold = s.hold
		return s
	}
}

// View is the latest view this server knows.
func (s *Server) View() viewservice.View { return s.ping.View() }

// Value returns a key's value in this replica, for checkers.
func (s *Server) Value(key string) string { return s.data[key] }

// Version is the number of operations the replica's state has applied
// (here, or at the primary whose state it received), for checkers.
func (s *Server) Version() uint64 { return s.version }

// Snapshot returns the replica's data, for checkers.
func (s *Server) Snapshot() map[string]string { return s.data }

// InTouch reports whether the server, at now on its own clock, believes
// itself in touch with the view service (viewservice.Pinger.InTouch): a
// primary serves only then. For checkers.
func (s *Server) InTouch(now time.Duration) bool { return s.ping.InTouch(now) }

func (s *Server) hold() (uint64, bool) {
	v := s.ping.View()
	if v.Primary == s.ping.Self() && v.Backup != node.None && (s.synced != v.Backup || s.syncFor != v.Viewnum) {
		return v.Viewnum - 1, true
	}
	return 0, false
}

// Handle implements node.Handler.
func (s *Server) Handle(env node.Env, ev node.Event) {
	if s.ping.Handle(env, ev) {
		s.sync(env)
		return
	}
	switch ev := ev.(type) {
	case *node.Start:
		s.restarted = ev.Restarted
		env.SetTimer(retryInterval, retryTick{})
	case *node.Timeout:
		if _, ok := ev.Tag.(retryTick); ok {
			s.sync(env)
			if s.primary(env) {
				s.next(env)
			} else {
				s.abandon(env)
			}
			env.SetTimer(retryInterval, retryTick{})
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case Request:
			s.onRequest(env, ev.From, m)
		case Forward:
			s.onForward(env, ev.From, m)
		case ForwardReply:
			s.onForwardReply(env, m)
		case Transfer:
			s.onTransfer(env, ev.From, m)
		case TransferReply:
			if v := s.ping.View(); m.Viewnum == v.Viewnum && ev.From == v.Backup {
				s.synced, s.syncFor = ev.From, m.Viewnum
			}
		}
	}
}

func (s *Server) primary(env node.Env) bool {
	s.firstPrimary()
	v := s.ping.View()
	return v.Primary == s.ping.Self() && s.ping.InTouch(env.Now()) && s.ready
}

// firstPrimary makes the primary of view 1 ready: it starts the state.
// Only the incarnation that started it: one that restarted has lost it,
// and the view service, which has no backup to promote, keeps naming it
// (the service is stuck, which is better than serving an empty state).
func (s *Server) firstPrimary() {
	if v := s.ping.View(); v.Viewnum == 1 && v.Primary == s.ping.Self() && !s.restarted {
		s.ready = true
	}
}

// abandon answers the queued requests ErrWrongServer once this server is
// no longer the primary of the view it knows: the client asks the new
// one. A primary that is only out of touch keeps its queue, since its
// backup may have applied the head already.
func (s *Server) abandon(env node.Env) {
	if s.ping.View().Primary == s.ping.Self() {
		return
	}
	for _, in := range s.queue {
		env.Send(in.from, Reply{ClientID: in.req.ClientID, Seq: in.req.Seq, Err: ErrWrongServer})
	}
	s.queue = nil
}

func (s *Server) onRequest(env node.Env, from node.ID, r Request) {
	if !s.primary(env) {
		env.Send(from, Reply{ClientID: r.ClientID, Seq: r.Seq, Err: ErrWrongServer})
		return
	}
	if rec, ok := s.last[r.ClientID]; ok && r.Seq <= rec.seq {
		if r.Seq == rec.seq {
			env.Send(from, Reply{ClientID: r.ClientID, Seq: r.Seq, Value: rec.value})
		}
		return
	}
	v := s.ping.View()
	if v.Backup == node.None && len(s.queue) == 0 {
		env.Send(from, s.apply(r))
		return
	}
	for i, q := range s.queue {
		if q.req.ClientID == r.ClientID {
			s.queue[i] = inflight{from: from, req: r} // a retry, or its next operation
			return
		}
	}
	s.queue = append(s.queue, inflight{from: from, req: r})
	if len(s.queue) == 1 {
		s.forward(env, r)
	}
}

func (s *Server) forward(env node.Env, r Request) {
	v := s.ping.View()
	if v.Backup == node.None || s.synced != v.Backup || s.syncFor != v.Viewnum {
		return // no backup with the state yet: wait for the transfer
	}
	env.Send(v.Backup, Forward{Viewnum: v.Viewnum, Version: s.version + 1, Req: r})
}

func (s *Server) onForwardReply(env node.Env, m ForwardReply) {
	if len(s.queue) == 0 {
		return
	}
	in := s.queue[0]
	if in.req.ClientID != m.ClientID || in.req.Seq != m.Seq || m.Viewnum != s.ping.View().Viewnum {
		return
	}
	if !m.OK {
		// The backup cannot take it yet (no state, a state behind this
		// one's, or a view it has not heard of). Giving up here would
		// leave a copy of the forward in flight that the backup may apply
		// later, when this primary never will: keep it at the head and
		// forward it again at the next tick, until the backup takes it
		// or the view changes. A backup behind gets the state again.
		if m.Behind {
			s.synced = node.None
			s.sync(env)
		}
		return
	}
	s.queue = s.queue[1:]
	switch rec, seen := s.last[m.ClientID]; {
	case seen && in.req.Seq <= rec.seq:
		env.Send(in.from, Reply{ClientID: m.ClientID, Seq: m.Seq, Value: rec.value}) // applied already
	default:
		env.Send(in.from, s.apply(in.req))
	}
	s.next(env)
}

// next forwards the oldest queued request, or, with no backup in the
// view, applies the queue in order.
func (s *Server) next(env node.Env) {
	for len(s.queue) > 0 && s.ping.View().Backup == node.None {
		in := s.queue[0]
		s.queue = s.queue[1:]
		if rec, seen := s.last[in.req.ClientID]; seen && in.req.Seq <= rec.seq {
			env.Send(in.from, Reply{ClientID: in.req.ClientID, Seq: in.req.Seq, Value: rec.value})
			continue
		}
		env.Send(in.from, s.apply(in.req))
	}
	if len(s.queue) > 0 {
		s.forward(env, s.queue[0].req)
	}
}

func (s *Server) onForward(env node.Env, from node.ID, m Forward) {
	v := s.ping.View()
	reply := ForwardReply{Viewnum: m.Viewnum, ClientID: m.Req.ClientID, Seq: m.Req.Seq}
	if v.Viewnum == m.Viewnum && v.Backup == s.ping.Self() && v.Primary == from && s.ready {
		switch {
		case m.Version == s.version+1:
			s.apply(m.Req)
			reply.OK = true
		case m.Version <= s.version:
			reply.OK = true // applied already: a copy of a forward answered before
		default:
			// Operations before this one are missing here: a transfer
			// older than the primary's state was installed (one held in
			// the network past a restart, say).
			reply.Behind = true
		}
	}
	env.Send(from, reply)
}

// apply applies r and records its reply for duplicates.
func (s *Server) apply(r Request) Reply {
	reply := Reply{ClientID: r.ClientID, Seq: r.Seq}
	switch r.Kind {
	case Get:
		reply.Value = s.data[r.Key]
	case Put:
		s.data[r.Key] = r.Value
	case Append:
		s.data[r.Key] += r.Value
	}
	s.last[r.ClientID] = record{seq: r.Seq, value: reply.Value}
	s.version++
	return reply
}

// sync sends the whole state to a backup that does not have it yet.
func (s *Server) sync(env node.Env) {
	s.firstPrimary()
	v := s.ping.View()
	if !s.ready || v.Primary != s.ping.Self() || v.Backup == node.None || (s.synced == v.Backup && s.syncFor == v.Viewnum) {
		return
	}
	st := State{Version: s.version}
	for _, k := range node.SortedKeys(s.data) {
		st.Keys, st.Values = append(st.Keys, k), append(st.Values, s.data[k])
	}
	for _, c := range node.SortedKeys(s.last) {
		st.Clients, st.LastSeq, st.LastValue = append(st.Clients, c), append(st.LastSeq, s.last[c].seq), append(st.LastValue, s.last[c].value)
	}
	env.Mark(markTransfer)
	env.Send(v.Backup, Transfer{Viewnum: v.Viewnum, State: st})
}

func (s *Server) onTransfer(env node.Env, from node.ID, m Transfer) {
	v := s.ping.View()
	if m.Viewnum < v.Viewnum || (m.Viewnum == v.Viewnum && v.Backup != s.ping.Self()) {
		return
	}
	if s.ready && m.Viewnum == s.xferView && m.State.Version <= s.version {
		// Installed already, or older than what was forwarded since in
		// that view (a copy resent, duplicated or held in a clog): never
		// roll back. A newer view's primary is right whatever the
		// versions say.
		env.Send(from, TransferReply{Viewnum: m.Viewnum})
		return
	}
	s.version, s.xferView = m.State.Version, m.Viewnum
	s.data, s.last = map[string]string{}, map[uint64]record{}
	for i, k := range m.State.Keys {
		s.data[k] = m.State.Values[i]
	}
	for i, c := range m.State.Clients {
		s.last[c] = record{seq: m.State.LastSeq[i], value: m.State.LastValue[i]}
	}
	s.ready = true
	env.Send(from, TransferReply{Viewnum: m.Viewnum})
}
