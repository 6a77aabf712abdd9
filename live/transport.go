package live

import (
	"fmt"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// The Transport: one node's messages to and from its peers, over
// connections (conn.go) that carry frames (wire.go).
//
// How messages map onto connections. Every node that has an address
// listens on it. To send to a peer with an address, a node dials it and
// keeps that connection, redialling with backoff when it breaks; messages
// queue meanwhile (up to QueueLen, then they are dropped, as a network
// may). A node without an address (a client) dials the servers it talks
// to, and they answer on the connection it opened: a node sends to a peer
// it has no address for over the newest connection that peer opened to it.
// A request and its reply are two one-way messages, so between two servers
// the request goes on the sender's connection and the reply on the
// replier's; the protocol above never waits on a connection.

// TransportConfig configures a node's transport.
type TransportConfig struct {
	// Self is the node's ID and Name its name, for logs.
	Self node.ID
	Name string
	// Listen is the address to listen on ("127.0.0.1:7000"); empty for a
	// node that only dials (a client).
	Listen string
	// Peers are the addresses of the nodes it may dial.
	Peers map[node.ID]string
	// Accept says whether a dialer of this ID may connect (a node of the
	// cluster, or a client); nil accepts any ID. A refused dialer is told
	// so in the handshake.
	Accept func(id node.ID) bool
	// Key is the cluster key. Without one, frames carry no MAC, and the
	// transport refuses to listen anywhere but on loopback.
	Key []byte
	// Deliver receives each message that arrives (a Node's Deliver).
	Deliver func(from node.ID, msg any)
	// Faults, if set, drops messages to and from cut peers, and lost ones.
	Faults *Faults
	// Log receives connection errors; nil means standard error.
	Log *log.Logger
	// MaxFrameBytes bounds one message on the wire; zero means 64 MiB.
	MaxFrameBytes int
	// QueueLen bounds the messages queued for one peer; zero means 4096.
	QueueLen int
}

// TransportStats count a transport's traffic.
type TransportStats struct {
	Sent, Received int64 // messages written and delivered
	Dropped        int64 // dropped: queue full, no route, a fault
	Rejected       int64 // connections closed for a bad handshake, MAC or frame
}

// Transport carries one node's messages over TCP.
type Transport struct {
	cfg    TransportConfig
	ln     net.Listener
	logger *log.Logger
	quit   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool

	mu      sync.Mutex
	links   map[node.ID]*link // peers with an address: our own connection
	inbound map[node.ID]*conn // peers without one: their newest connection
	conns   map[*conn]bool

	sent, received, dropped, rejected atomic.Int64
	refusal                           atomic.Pointer[RefusedError] // the latest peer's refusal of this node
	accepted                          atomic.Bool                  // a peer has accepted a connection of this node's
}

// RefusedError is a peer's refusal of this node's connection, with the
// reason it gave in the handshake.
type RefusedError struct {
	Peer   node.ID
	Reason string
}

func (e *RefusedError) Error() string { return fmt.Sprintf("node %v %s", e.Peer, e.Reason) }

// Refused is the latest refusal of a connection this node dialled, if no
// peer has accepted one since; nil otherwise. A client that gets no
// answers asks it to tell "the cluster refuses me" from "no answer yet".
func (t *Transport) Refused() *RefusedError {
	if t.accepted.Load() {
		return nil
	}
	return t.refusal.Load()
}

// link is the outgoing side to one peer with an address.
type link struct {
	peer node.ID
	addr string
	out  chan any
}

// IsLoopback says whether addr's host is a loopback address (or
// "localhost").
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewTransport starts a transport: it listens (if cfg.Listen is set) and
// dials peers as messages for them come.
func NewTransport(cfg TransportConfig) (*Transport, error) {
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = 64 << 20
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 4096
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Self.String()
	}
	if cfg.Listen != "" && !IsLoopback(cfg.Listen) && len(cfg.Key) == 0 {
		return nil, fmt.Errorf("live: %s would listen on %s, which is not loopback, without a cluster key: set a key (simlab-node keygen makes one) or listen on 127.0.0.1", cfg.Name, cfg.Listen)
	}
	t := &Transport{
		cfg: cfg, quit: make(chan struct{}),
		links: map[node.ID]*link{}, inbound: map[node.ID]*conn{}, conns: map[*conn]bool{},
		logger: cfg.Log,
	}
	if t.logger == nil {
		t.logger = log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("live: %s: %w", cfg.Name, err)
		}
		t.ln = ln
		t.wg.Add(1)
		go t.accept()
	}
	return t, nil
}

// Addr is the address the transport listens on (nil for a client).
func (t *Transport) Addr() net.Addr {
	if t.ln == nil {
		return nil
	}
	return t.ln.Addr()
}

// Stats returns the transport's counters.
func (t *Transport) Stats() TransportStats {
	return TransportStats{Sent: t.sent.Load(), Received: t.received.Load(), Dropped: t.dropped.Load(), Rejected: t.rejected.Load()}
}

func (t *Transport) logf(format string, args ...any) {
	if t.closed.Load() {
		return
	}
	t.logger.Printf("%s: %s", t.cfg.Name, fmt.Sprintf(format, args...))
}

// Send queues msg for peer to; it never blocks. A message that cannot be
// queued (no route yet, queue full, a fault) is dropped.
func (t *Transport) Send(to node.ID, msg any) {
	if t.closed.Load() || t.cfg.Faults.dropSend(to) {
		t.dropped.Add(1)
		return
	}
	var out chan any
	t.mu.Lock()
	if addr, ok := t.cfg.Peers[to]; ok {
		l := t.links[to]
		if l == nil {
			l = &link{peer: to, addr: addr, out: make(chan any, t.cfg.QueueLen)}
			t.links[to] = l
			t.wg.Add(1)
			go t.dialLoop(l)
		}
		out = l.out
	} else if c := t.inbound[to]; c != nil {
		out = c.out
	}
	t.mu.Unlock()
	if out == nil {
		t.dropped.Add(1)
		return
	}
	select {
	case out <- msg:
	default:
		t.dropped.Add(1)
	}
}

// Close stops listening, closes every connection and waits for the
// transport's goroutines.
func (t *Transport) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	close(t.quit)
	if t.ln != nil {
		t.ln.Close()
	}
	t.mu.Lock()
	for c := range t.conns { //simlab:unordered closing each; the order does not matter
		c.c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	return nil
}

func (t *Transport) accept() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.closed.Load() {
				return
			}
			t.logf("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			cn, err := t.handshakeAccept(c)
			if err != nil {
				t.rejected.Add(1)
				t.logf("refused a connection from %v: %v", c.RemoteAddr(), err)
				c.Close()
				return
			}
			if _, ok := t.cfg.Peers[cn.peer]; !ok {
				// A peer without an address is answered here: this
				// connection gets a queue of its own. To a peer with
				// one, this node sends on its own connection, and this
				// one's writer has nothing to write (a nil queue).
				cn.out = make(chan any, t.cfg.QueueLen)
				t.mu.Lock()
				t.inbound[cn.peer] = cn
				t.mu.Unlock()
			}
			t.serve(cn, cn.out)
		}()
	}
}

// dialLoop keeps a connection to one peer, feeding it from the link's
// queue.
func (t *Transport) dialLoop(l *link) {
	defer t.wg.Done()
	backoff := 20 * time.Millisecond
	for !t.closed.Load() {
		c, err := net.DialTimeout("tcp", l.addr, time.Second)
		if err == nil {
			var cn *conn
			cn, err = t.handshakeDial(c, l.peer)
			if err == nil {
				backoff = 20 * time.Millisecond
				t.serve(cn, l.out)
				continue
			}
			c.Close()
		}
		select {
		case <-t.quit:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (t *Transport) register(cn *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return false
	}
	t.conns[cn] = true
	return true
}

func (t *Transport) unregister(cn *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, cn)
	if t.inbound[cn.peer] == cn {
		delete(t.inbound, cn.peer)
	}
}

// serve runs a connection until it breaks: a reader delivering what
// arrives, and this goroutine writing what out holds.
func (t *Transport) serve(cn *conn, out chan any) {
	if !t.register(cn) {
		cn.c.Close()
		return
	}
	defer t.unregister(cn)
	go cn.read()
	cn.write(out)
	cn.close()
}
