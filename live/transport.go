package live

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

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
//
// The wire. The accepting side opens with an 8-byte magic and a 16-byte
// random challenge. The dialer answers with one frame: its ID, the ID it
// wants, a 16-byte nonce, and with a key an HMAC over all of it and the
// challenge. The acceptor answers with a verdict frame, "ok" or the
// reason it refuses the dialer (no key, another key, an ID not in the
// cluster), so a refused dialer can say why instead of waiting for
// answers. Then every frame is [length u32][MAC, with a key][gob], where
// the MAC is HMAC-SHA256(key, challenge ‖ nonce ‖ direction ‖ sequence ‖
// gob): a frame from another connection, another direction, out of order
// or altered fails it. A frame over MaxFrameBytes, a bad MAC or a gob
// stream that does not decode closes the connection; the node goes on.

const wireMagic = "SIMLAB2\n"

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

// conn is one established connection, either way.
type conn struct {
	t       *Transport
	c       net.Conn
	peer    node.ID
	dialer  bool
	session []byte // challenge ‖ nonce
	out     chan any
	once    sync.Once
	done    chan struct{}
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

func (cn *conn) close() {
	cn.once.Do(func() {
		cn.c.Close()
		close(cn.done)
	})
}

// newMAC returns an HMAC keyed with the cluster key, for one goroutine to
// reuse across frames (frameMAC resets it).
func (t *Transport) newMAC() hash.Hash { return hmac.New(sha256.New, t.cfg.Key) }

// frameMAC computes a frame's MAC with m, into dst.
func frameMAC(m hash.Hash, dst, session []byte, dir byte, seq uint64, payload []byte) []byte {
	m.Reset()
	m.Write(session)
	var hdr [9]byte
	hdr[0] = dir
	binary.BigEndian.PutUint64(hdr[1:], seq)
	m.Write(hdr[:])
	m.Write(payload)
	return m.Sum(dst[:0])
}

func (t *Transport) macLen() int {
	if len(t.cfg.Key) == 0 {
		return 0
	}
	return sha256.Size
}

func writeFrame(w io.Writer, payload ...[]byte) error {
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(n))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range payload {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

var errFrameTooBig = errors.New("frame too big")

func readFrame(r io.Reader, maxBytes int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if int64(n) > int64(maxBytes) {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", errFrameTooBig, n, maxBytes)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

func random16() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

const helloBytes = 8 + 8 + 16

func (t *Transport) hello(from, to node.ID, nonce []byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(int64(from)))
	b = binary.BigEndian.AppendUint64(b, uint64(int64(to)))
	return append(b, nonce...)
}

func (t *Transport) handshakeDial(c net.Conn, peer node.ID) (*conn, error) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var open [len(wireMagic) + 16]byte
	if _, err := io.ReadFull(c, open[:]); err != nil {
		return nil, err
	}
	if string(open[:len(wireMagic)]) != wireMagic {
		return nil, fmt.Errorf("%v is not a simlab node", c.RemoteAddr())
	}
	challenge := open[len(wireMagic):]
	nonce := random16()
	h := t.hello(t.cfg.Self, peer, nonce)
	var mac []byte
	if t.macLen() > 0 {
		mac = frameMAC(t.newMAC(), nil, challenge, 'h', 0, h)
	}
	if err := writeFrame(c, h, mac); err != nil {
		return nil, err
	}
	verdict, err := readFrame(c, 1024)
	if err != nil {
		return nil, fmt.Errorf("handshake with %v: %w", c.RemoteAddr(), err)
	}
	if string(verdict) != "ok" {
		err := &RefusedError{Peer: peer, Reason: string(verdict)}
		t.refusal.Store(err)
		return nil, err
	}
	t.accepted.Store(true)
	c.SetDeadline(time.Time{})
	return t.newConn(c, peer, true, append(append([]byte{}, challenge...), nonce...)), nil
}

func (t *Transport) handshakeAccept(c net.Conn) (*conn, error) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	challenge := random16()
	if _, err := c.Write(append([]byte(wireMagic), challenge...)); err != nil {
		return nil, err
	}
	b, err := readFrame(c, 1024)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	refuse := func(format string, args ...any) (*conn, error) {
		err := fmt.Errorf(format, args...)
		writeFrame(c, []byte("refused by "+t.cfg.Name+": "+err.Error()))
		return nil, err
	}
	if len(b) != helloBytes+t.macLen() {
		if t.macLen() > 0 {
			return refuse("handshake without a MAC: the peer has no cluster key")
		}
		return refuse("handshake of %d bytes: the peer uses a cluster key and this node has none", len(b))
	}
	h, mac := b[:helloBytes], b[helloBytes:]
	if t.macLen() > 0 && !hmac.Equal(mac, frameMAC(t.newMAC(), nil, challenge, 'h', 0, h)) {
		return refuse("handshake MAC does not verify: the peer has another cluster key")
	}
	from := node.ID(int64(binary.BigEndian.Uint64(h[0:8])))
	to := node.ID(int64(binary.BigEndian.Uint64(h[8:16])))
	if to != t.cfg.Self {
		return refuse("the peer wants node %v, this is %v", to, t.cfg.Self)
	}
	if from == t.cfg.Self {
		return refuse("the peer claims to be this node (%v)", from)
	}
	if t.cfg.Accept != nil && !t.cfg.Accept(from) {
		return refuse("the peer claims ID %d, which is no node of the cluster file and no client's", int64(from))
	}
	if err := writeFrame(c, []byte("ok")); err != nil {
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return t.newConn(c, from, false, append(challenge, h[16:]...)), nil
}

func (t *Transport) newConn(c net.Conn, peer node.ID, dialer bool, session []byte) *conn {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return &conn{t: t, c: c, peer: peer, dialer: dialer, session: session, done: make(chan struct{})}
}

// envelope carries one message; gob needs its concrete type registered
// (Register).
type envelope struct{ Msg any }

// Register registers message types for the wire (gob.Register): every
// type a node sends must be registered, in every process, before the
// first message.
func Register(msgs ...any) {
	for _, m := range msgs {
		gob.Register(m)
	}
}

func (cn *conn) dirs() (out, in byte) {
	if cn.dialer {
		return 'd', 'a'
	}
	return 'a', 'd'
}

// write sends what out holds until the connection breaks or the transport
// closes. A message that does not encode is dropped and the connection
// reset (the gob stream cannot be trusted after a failed Encode).
func (cn *conn) write(out chan any) {
	t := cn.t
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	bw := bufio.NewWriterSize(cn.c, 64<<10)
	dir, _ := cn.dirs()
	var seq uint64
	var m hash.Hash
	var sum []byte
	if t.macLen() > 0 {
		m = t.newMAC()
	}
	for {
		var msg any
		select {
		case <-t.quit:
			return
		case <-cn.done:
			return
		case msg = <-out:
		}
		for {
			buf.Reset()
			if err := enc.Encode(&envelope{Msg: msg}); err != nil {
				t.dropped.Add(1)
				t.logf("message %T to %v does not encode: %v (register its type with live.Register)", msg, cn.peer, err)
				return
			}
			if buf.Len() > t.cfg.MaxFrameBytes-t.macLen() {
				t.dropped.Add(1)
				t.logf("message %T to %v is %d bytes, over the frame limit; dropped", msg, cn.peer, buf.Len())
				return
			}
			seq++
			if m != nil {
				sum = frameMAC(m, sum, cn.session, dir, seq, buf.Bytes())
			}
			if err := writeFrame(bw, sum, buf.Bytes()); err != nil {
				return
			}
			t.sent.Add(1)
			// Write what else is queued in the same flush.
			select {
			case msg = <-out:
				continue
			default:
			}
			break
		}
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

// frameReader hands the gob decoder one verified frame at a time: each
// frame holds exactly one Encode's output, so a message that runs past its
// frame, or a frame with bytes left over, is malformed. It is a ByteReader,
// so gob reads no further ahead than it needs.
type frameReader struct {
	cur []byte
}

var errFrameEnded = errors.New("a message runs past the end of its frame")

func (fr *frameReader) Read(p []byte) (int, error) {
	if len(fr.cur) == 0 {
		return 0, errFrameEnded
	}
	n := copy(p, fr.cur)
	fr.cur = fr.cur[n:]
	return n, nil
}

func (fr *frameReader) ReadByte() (byte, error) {
	if len(fr.cur) == 0 {
		return 0, errFrameEnded
	}
	b := fr.cur[0]
	fr.cur = fr.cur[1:]
	return b, nil
}

// read delivers what arrives until the connection breaks; anything
// malformed closes it.
func (cn *conn) read() {
	t := cn.t
	defer cn.close()
	defer func() {
		if p := recover(); p != nil {
			t.rejected.Add(1)
			t.logf("connection with %v closed: decoding panicked: %v", cn.peer, p)
		}
	}()
	r := bufio.NewReaderSize(cn.c, 64<<10)
	fr := &frameReader{}
	dec := gob.NewDecoder(fr)
	_, in := cn.dirs()
	var m hash.Hash
	var sum []byte
	if t.macLen() > 0 {
		m = t.newMAC()
	}
	reject := func(format string, args ...any) {
		t.rejected.Add(1)
		t.logf("connection with %v closed: "+format, append([]any{cn.peer}, args...)...)
	}
	for seq := uint64(1); ; seq++ {
		b, err := readFrame(r, t.cfg.MaxFrameBytes)
		if err != nil {
			if errors.Is(err, errFrameTooBig) {
				reject("%v", err)
			}
			return // the peer went away, or the transport closed
		}
		if k := t.macLen(); k > 0 {
			if len(b) >= k {
				sum = frameMAC(m, sum, cn.session, in, seq, b[k:])
			}
			if len(b) < k || !hmac.Equal(b[:k], sum) {
				reject("frame %d's MAC does not verify", seq)
				return
			}
			b = b[k:]
		}
		fr.cur = b
		var env envelope
		if err := dec.Decode(&env); err != nil {
			reject("frame %d does not decode: %v", seq, err)
			return
		}
		if len(fr.cur) > 0 {
			reject("frame %d has %d bytes after its message", seq, len(fr.cur))
			return
		}
		if t.cfg.Faults.dropRecv(cn.peer) {
			t.dropped.Add(1)
			continue
		}
		t.received.Add(1)
		if t.cfg.Deliver != nil {
			t.cfg.Deliver(cn.peer, env.Msg)
		}
	}
}
