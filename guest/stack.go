package guest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"

	"github.com/simlab-go/simlab/sim/node"
)

// The host side of a guest node's stream sockets: a small TCP over the
// World's messages. It holds the node's listeners and connections for one
// incarnation (a crash forgets them, and the peers learn it from a reset
// when they next send, or from their retransmission timeout when the node
// stays down: a half-open connection). Only the guest's goroutine (in a
// host call) or the node's handler (a segment or a timer) touches it,
// never both at once: they hand the node over.

// The stack's constants, in the spirit of Linux's defaults where a user
// would notice them.
const (
	segmentMax     = 16 << 10 // data bytes per segment
	sendBufferMax  = 1 << 20  // bytes written and not yet acknowledged
	backlogMax     = 128      // connections accepted and not yet taken
	rtoMin         = 200 * time.Millisecond
	rtoMax         = 2 * time.Second
	userTimeout    = 15 * time.Second // unacknowledged this long: the connection times out
	ephemeralFirst = 49152
)

// Directory names a World's nodes for a guest's addresses: a *sim.World is
// one.
type Directory interface {
	Lookup(name string) (node.ID, bool)
	Name(id node.ID) string
}

// connKey names a connection at one end: the peer, the dialer's number, and
// whether this end dialed.
type connKey struct {
	peer   node.ID
	conn   uint64
	dialed bool
}

type sockState uint8

const (
	sockConnecting sockState = iota
	sockOpen
	sockFailed
)

// sock is a listener or one end of a connection.
type sock struct {
	handle int32
	fd     int32 // the guest's descriptor for it, once attached; -1 before
	port   int   // local
	closed bool  // the guest closed it

	// A listener's connections, accepted and not yet taken.
	listener bool
	backlog  []*sock

	// A connection.
	key      connKey
	peerName string
	peerPort int
	state    sockState
	err      uint32 // why it failed: a WASI error number

	snd       []byte // written, not yet acknowledged; snd[0] is number sndUna
	sndUna    uint64
	sndNxt    uint64 // the next number to transmit
	finQueued bool   // the guest closed: a FIN follows the data
	finSent   bool
	finAcked  bool

	rcv     []byte // arrived in order, not yet read
	rcvNxt  uint64
	ooo     map[uint64][]byte // arrived out of order, by number
	finAt   uint64
	finSeen bool // a FIN arrived, at finAt
	finRcvd bool // ... and everything before it: reads end

	rto    time.Duration
	giveUp time.Duration // node time past which unacknowledged data times out
	timer  node.TimerID
	armed  bool
}

// sockTimer is the tag of a connection's retransmission timer.
type sockTimer struct {
	Key connKey
}

// netStack is one incarnation's sockets.
type netStack struct {
	dir        Directory
	conns      map[connKey]*sock
	done       map[connKey]bool // closed both ways: a late FIN is acknowledged
	listeners  map[int]*sock
	handles    map[int32]*sock
	fds        map[int32]*sock
	nextHandle int32
	nextPort   int
}

func newNetStack(dir Directory) *netStack {
	return &netStack{
		dir:       dir,
		conns:     map[connKey]*sock{},
		done:      map[connKey]bool{},
		listeners: map[int]*sock{},
		handles:   map[int32]*sock{},
		fds:       map[int32]*sock{},
		nextPort:  ephemeralFirst,
	}
}

func (st *netStack) newSock() *sock {
	st.nextHandle++
	s := &sock{handle: st.nextHandle, fd: -1}
	st.handles[s.handle] = s
	return s
}

// listen opens a listener on port.
func (st *netStack) listen(port int) (*sock, uint32) {
	if port <= 0 || port > 65535 {
		return nil, wasiEINVAL
	}
	if l := st.listeners[port]; l != nil {
		return nil, wasiEADDRINUSE
	}
	l := st.newSock()
	l.listener, l.port = true, port
	st.listeners[port] = l
	return l, 0
}

// dial opens a connection to host:port and sends its SYN.
func (st *netStack) dial(env node.Env, host string, port int) (*sock, uint32) {
	peer, ok := st.lookup(host)
	if !ok || port <= 0 || port > 65535 {
		return nil, wasiEHOSTUNREACH
	}
	c := st.newSock()
	c.key = connKey{peer: peer, conn: env.Rand().Uint64(), dialed: true}
	c.port, c.peerName, c.peerPort = st.nextPort, nodeName(st.dir, peer), port
	st.nextPort++
	if st.nextPort > 65535 {
		st.nextPort = ephemeralFirst
	}
	c.state = sockConnecting
	c.rto, c.giveUp = rtoMin, env.Now()+userTimeout
	st.conns[c.key] = c
	st.send(env, c, FlagSYN, 0, nil)
	st.arm(env, c)
	return c, 0
}

// lookup resolves a host name: a node of the Directory, or "n3" for node 3
// without one.
func (st *netStack) lookup(host string) (node.ID, bool) {
	if st.dir != nil {
		return st.dir.Lookup(host)
	}
	if rest, ok := strings.CutPrefix(host, "n"); ok {
		if id, err := strconv.Atoi(rest); err == nil && id >= 0 {
			return node.ID(id), true
		}
	}
	return 0, false
}

// send puts one segment of c on the network.
func (st *netStack) send(env node.Env, c *sock, flags SegmentFlags, seq uint64, data []byte) {
	seg := &Segment{Conn: c.key.conn, Dialer: c.key.dialed, From: c.port, To: c.peerPort, Flags: flags, Seq: seq, Data: data}
	if c.state != sockConnecting || flags&FlagSYN == 0 {
		seg.Flags |= FlagACK
		seg.Ack = c.rcvNxt
	}
	env.Send(c.key.peer, seg)
}

// reset answers a segment that has no connection here.
func reset(env node.Env, from node.ID, s *Segment) {
	env.Send(from, &Segment{Conn: s.Conn, Dialer: !s.Dialer, From: s.To, To: s.From, Flags: FlagRST})
}

// outstanding says whether c waits for an acknowledgement.
func (c *sock) outstanding() bool {
	return c.state == sockConnecting || c.sndUna < c.sndNxt || (c.finSent && !c.finAcked)
}

// arm sets c's retransmission timer if it waits for an acknowledgement and
// none is set.
func (st *netStack) arm(env node.Env, c *sock) {
	if c.armed || c.state == sockFailed || !c.outstanding() {
		return
	}
	c.timer, c.armed = env.SetTimer(c.rto, sockTimer{c.key}), true
}

// progress is an acknowledgement that moved: the backoff starts over.
func (st *netStack) progress(env node.Env, c *sock) {
	if c.armed {
		env.StopTimer(c.timer)
		c.armed = false
	}
	c.rto, c.giveUp = rtoMin, env.Now()+userTimeout
	st.arm(env, c)
}

// flush transmits what c has not sent yet: data, then the FIN.
func (st *netStack) flush(env node.Env, c *sock) {
	if c.state != sockOpen {
		return
	}
	end := c.sndUna + uint64(len(c.snd))
	for c.sndNxt < end {
		n := min(end-c.sndNxt, segmentMax)
		off := c.sndNxt - c.sndUna
		st.send(env, c, 0, c.sndNxt, slices.Clone(c.snd[off:off+n]))
		c.sndNxt += n
	}
	if c.finQueued && !c.finSent {
		st.send(env, c, FlagFIN, end, nil)
		c.finSent = true
	}
	st.arm(env, c)
}

// timeout is c's retransmission timer: send again what was not
// acknowledged, or give up.
func (st *netStack) timeout(env node.Env, t sockTimer) {
	c := st.conns[t.Key]
	if c == nil || !c.armed {
		return
	}
	c.armed = false
	if !c.outstanding() {
		return
	}
	if env.Now() >= c.giveUp {
		st.fail(env, c, wasiETIMEDOUT, false)
		return
	}
	c.rto = min(2*c.rto, rtoMax)
	if c.state == sockConnecting {
		st.send(env, c, FlagSYN, 0, nil)
		st.arm(env, c)
		return
	}
	c.sndNxt = c.sndUna
	c.finSent = c.finSent && c.finAcked
	st.flush(env, c)
}

// fail ends c with err; with tell, the peer gets a reset.
func (st *netStack) fail(env node.Env, c *sock, err uint32, tell bool) {
	if tell {
		st.send(env, c, FlagRST, c.sndNxt, nil)
	}
	if c.armed {
		env.StopTimer(c.timer)
		c.armed = false
	}
	c.state, c.err = sockFailed, err
	c.snd, c.ooo = nil, nil
	if c.closed {
		st.forget(c)
	}
}

// forget drops a connection the guest closed and that is done.
func (st *netStack) forget(c *sock) {
	delete(st.conns, c.key)
	delete(st.handles, c.handle)
	if c.state != sockFailed {
		st.done[c.key] = true
	}
}

// segment takes one segment from the network.
func (st *netStack) segment(env node.Env, from node.ID, s *Segment) {
	key := connKey{peer: from, conn: s.Conn, dialed: !s.Dialer}
	c := st.conns[key]
	if s.Flags&FlagRST != 0 {
		if c != nil && c.state != sockFailed {
			err := uint32(wasiECONNRESET)
			if c.state == sockConnecting {
				err = wasiECONNREFUSED
			}
			st.fail(env, c, err, false)
		}
		return
	}
	if c == nil {
		switch {
		case st.done[key]:
			if s.Flags&FlagFIN != 0 {
				env.Send(from, &Segment{Conn: s.Conn, Dialer: !s.Dialer, From: s.To, To: s.From, Flags: FlagACK, Ack: s.Seq + 1})
			}
		case s.Flags&FlagSYN != 0 && s.Flags&FlagACK == 0 && s.Dialer:
			st.accept(env, from, key, s)
		default:
			reset(env, from, s)
		}
		return
	}
	if c.state == sockFailed {
		return
	}
	if s.Flags&FlagSYN != 0 && s.Flags&FlagACK == 0 {
		st.send(env, c, FlagSYN, 0, nil) // our SYN|ACK was lost: again
		return
	}
	if c.state == sockConnecting && s.Flags&FlagACK != 0 {
		c.state = sockOpen
		st.progress(env, c)
	}
	if s.Flags&FlagACK != 0 {
		st.acked(env, c, s.Ack)
	}
	if len(s.Data) > 0 || s.Flags&FlagFIN != 0 {
		st.receive(env, c, s)
	}
	if c.closed && c.finAcked && c.finRcvd {
		st.forget(c)
	}
}

// accept answers a SYN: a connection on a listening port, or a reset.
func (st *netStack) accept(env node.Env, from node.ID, key connKey, s *Segment) {
	l := st.listeners[s.To]
	if l == nil || l.closed || len(l.backlog) >= backlogMax {
		reset(env, from, s)
		return
	}
	c := st.newSock()
	c.key, c.port, c.peerName, c.peerPort = key, s.To, nodeName(st.dir, from), s.From
	c.state, c.rto, c.giveUp = sockOpen, rtoMin, env.Now()+userTimeout
	st.conns[key] = c
	l.backlog = append(l.backlog, c)
	st.send(env, c, FlagSYN, 0, nil)
}

// acked takes an acknowledgement of c's data and FIN.
func (st *netStack) acked(env node.Env, c *sock, ack uint64) {
	end := c.sndUna + uint64(len(c.snd))
	moved := false
	if ack > c.sndUna {
		n := min(ack, end) - c.sndUna
		c.snd = c.snd[n:]
		c.sndUna += n
		c.sndNxt = max(c.sndNxt, c.sndUna)
		moved = n > 0
	}
	if c.finSent && !c.finAcked && ack == end+1 {
		c.finAcked, moved = true, true
	}
	if moved {
		st.progress(env, c)
	}
}

// receive takes c's peer's data and FIN, in order, and acknowledges them.
func (st *netStack) receive(env node.Env, c *sock, s *Segment) {
	if c.closed && len(s.Data) > 0 {
		st.fail(env, c, wasiECONNRESET, true) // nobody reads: a reset, as Linux
		return
	}
	st.take(c, s.Seq, s.Data)
	for c.ooo != nil {
		progressed := false
		for _, seq := range slices.Sorted(maps.Keys(c.ooo)) {
			if seq > c.rcvNxt {
				break
			}
			data := c.ooo[seq]
			delete(c.ooo, seq)
			st.take(c, seq, data)
			progressed = true
		}
		if !progressed {
			break
		}
	}
	if s.Flags&FlagFIN != 0 {
		c.finSeen, c.finAt = true, s.Seq
	}
	if c.finSeen && !c.finRcvd && c.rcvNxt == c.finAt {
		c.finRcvd = true
		c.rcvNxt++
	}
	st.send(env, c, 0, c.sndNxt, nil)
}

// take adds the part of data (numbered from seq) that is new and in order,
// or keeps data for later when it is ahead.
func (st *netStack) take(c *sock, seq uint64, data []byte) {
	end := seq + uint64(len(data))
	switch {
	case len(data) == 0 || end <= c.rcvNxt || c.finRcvd:
	case seq <= c.rcvNxt:
		c.rcv = append(c.rcv, data[c.rcvNxt-seq:]...)
		c.rcvNxt = end
	default:
		if c.ooo == nil {
			c.ooo = map[uint64][]byte{}
		}
		if len(data) > len(c.ooo[seq]) {
			c.ooo[seq] = data
		}
	}
	if len(c.ooo) == 0 {
		c.ooo = nil
	}
}

// The guest's calls on its sockets.

// read takes bytes c received, as read(2) on a non-blocking socket.
func (st *netStack) read(c *sock, p []byte) (int, experimentalsys.Errno) {
	switch {
	case c.listener:
		return 0, experimentalsys.EINVAL
	case len(c.rcv) > 0:
		n := copy(p, c.rcv)
		c.rcv = c.rcv[n:]
		return n, 0
	case c.finRcvd:
		return 0, 0
	case c.state == sockFailed:
		return 0, experimentalsys.EIO // the guest package asks the status why
	}
	return 0, experimentalsys.EAGAIN
}

// write queues bytes on c, as write(2) on a non-blocking socket.
func (st *netStack) write(env node.Env, c *sock, p []byte) (int, experimentalsys.Errno) {
	switch {
	case c.listener:
		return 0, experimentalsys.EINVAL
	case c.state == sockFailed:
		return 0, experimentalsys.EIO
	case c.finQueued:
		return 0, experimentalsys.EBADF
	case c.state == sockConnecting:
		return 0, experimentalsys.EAGAIN
	}
	n := min(len(p), sendBufferMax-len(c.snd))
	if n == 0 {
		return 0, experimentalsys.EAGAIN
	}
	c.snd = append(c.snd, p[:n]...)
	st.flush(env, c)
	return n, 0
}

// next hands out a listener's next connection.
func (st *netStack) next(l *sock) (*sock, experimentalsys.Errno) {
	if len(l.backlog) == 0 {
		return nil, experimentalsys.EAGAIN
	}
	c := l.backlog[0]
	l.backlog = l.backlog[1:]
	return c, 0
}

// close is the guest's close of s.
func (st *netStack) close(env node.Env, s *sock) {
	if s.closed {
		return
	}
	s.closed = true
	// The descriptor is the guest's no more: the next file it opens may
	// get its number while this connection still finishes its FIN.
	st.detach(s)
	if s.listener {
		for _, c := range s.backlog {
			c.closed = true
			st.fail(env, c, wasiECONNRESET, true)
		}
		s.backlog = nil
		delete(st.listeners, s.port)
		delete(st.handles, s.handle)
		return
	}
	switch {
	case s.state == sockFailed:
		st.forget(s)
	case len(s.rcv) > 0 || s.state == sockConnecting:
		st.fail(env, s, wasiECONNRESET, true)
	default:
		s.finQueued = true
		st.flush(env, s)
		if s.finAcked && s.finRcvd {
			st.forget(s)
		}
	}
}

// attach records that the guest's descriptor fd is s's file.
func (st *netStack) attach(s *sock, fd int32) {
	st.detach(s)
	s.fd = fd
	st.fds[fd] = s
}

// detach forgets s's descriptor.
func (st *netStack) detach(s *sock) {
	if s.fd >= 0 && st.fds[s.fd] == s {
		delete(st.fds, s.fd)
	}
	s.fd = -1
}

// ready is what poll_oneoff reports for s, for a read or a write.
func (s *sock) ready(write bool) bool {
	if write {
		return s.writable()
	}
	return s.readable()
}

// readable and writable are what poll_oneoff reports for s.
func (s *sock) readable() bool {
	if s.listener {
		return len(s.backlog) > 0
	}
	return len(s.rcv) > 0 || s.finRcvd || s.state == sockFailed
}

func (s *sock) writable() bool {
	if s.listener {
		return false
	}
	return s.state == sockFailed || (s.state == sockOpen && len(s.snd) < sendBufferMax)
}

// status is a connection's state for the guest: 0 once open, EAGAIN while
// it connects, or the WASI number of why it failed (which a read or a
// write reports as EIO: wazero's errors have no ECONNRESET).
func (s *sock) status() uint32 {
	switch s.state {
	case sockConnecting:
		return wasiEAGAIN
	case sockFailed:
		return s.err
	}
	return 0
}
