package live

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Connections: the handshake that opens one, either way, and the two
// goroutines that run it, a writer feeding frames from a queue and a
// reader delivering what arrives. The bytes are wire.go's.

// handshakeTimeout bounds a handshake, so a peer that connects and says
// nothing holds no goroutine for long.
const handshakeTimeout = 5 * time.Second

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

func random16() []byte {
	b := make([]byte, challengeBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// handshakeDial opens a connection the node dialled to peer: it reads the
// acceptor's challenge, sends its hello and reads the verdict.
func (t *Transport) handshakeDial(c net.Conn, peer node.ID) (*conn, error) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	challenge, err := readOpening(c)
	if err != nil {
		if errors.Is(err, errNotSimlab) {
			return nil, fmt.Errorf("%v is %w", c.RemoteAddr(), err)
		}
		return nil, err
	}
	h := hello{from: t.cfg.Self, to: peer, nonce: random16()}
	if err := writeFrame(c, h.frame(t.cfg.Key, challenge)); err != nil {
		return nil, err
	}
	verdict, err := readFrame(c, handshakeFrameBytes)
	if err != nil {
		return nil, fmt.Errorf("handshake with %v: %w", c.RemoteAddr(), err)
	}
	if string(verdict) != verdictOK {
		err := &RefusedError{Peer: peer, Reason: string(verdict)}
		t.refusal.Store(err)
		return nil, err
	}
	t.accepted.Store(true)
	c.SetDeadline(time.Time{})
	return t.newConn(c, peer, true, append(challenge, h.nonce...)), nil
}

// handshakeAccept opens a connection a peer dialled: it sends the
// challenge, reads the hello and answers with its verdict.
func (t *Transport) handshakeAccept(c net.Conn) (*conn, error) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	challenge := random16()
	if _, err := c.Write(append([]byte(wireMagic), challenge...)); err != nil {
		return nil, err
	}
	b, err := readFrame(c, handshakeFrameBytes)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	h, err := t.admit(b, challenge)
	if err != nil {
		writeFrame(c, []byte("refused by "+t.cfg.Name+": "+err.Error()))
		return nil, err
	}
	if err := writeFrame(c, []byte(verdictOK)); err != nil {
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return t.newConn(c, h.from, false, append(challenge, h.nonce...)), nil
}

// admit reads a dialer's hello frame b and decides whether this node
// takes the connection; its error is the reason it refuses, which the
// dialer is told.
func (t *Transport) admit(b, challenge []byte) (hello, error) {
	h, err := parseHello(b, t.cfg.Key, challenge)
	if err != nil {
		return hello{}, err
	}
	if h.to != t.cfg.Self {
		return hello{}, fmt.Errorf("the peer wants node %v, this is %v", h.to, t.cfg.Self)
	}
	if h.from == t.cfg.Self {
		return hello{}, fmt.Errorf("the peer claims to be this node (%v)", h.from)
	}
	if t.cfg.Accept != nil && !t.cfg.Accept(h.from) {
		return hello{}, fmt.Errorf("the peer claims ID %d, which is no node of the cluster file and no client's", int64(h.from))
	}
	return h, nil
}

func (t *Transport) newConn(c net.Conn, peer node.ID, dialer bool, session []byte) *conn {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return &conn{t: t, c: c, peer: peer, dialer: dialer, session: session, done: make(chan struct{})}
}

// dirs are the directions of what this side writes and what it reads.
func (cn *conn) dirs() (out, in byte) {
	if cn.dialer {
		return dirDialer, dirAcceptor
	}
	return dirAcceptor, dirDialer
}

func (cn *conn) close() {
	cn.once.Do(func() {
		cn.c.Close()
		close(cn.done)
	})
}

// write sends what out holds until the connection breaks or the transport
// closes. A message that does not encode is dropped and the connection
// reset (the gob stream cannot be trusted after a failed Encode).
func (cn *conn) write(out chan any) {
	t := cn.t
	bw := bufio.NewWriterSize(cn.c, 64<<10)
	dir, _ := cn.dirs()
	fw := newFrameWriter(t.cfg.Key, cn.session, dir, t.cfg.MaxFrameBytes)
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
			if err := fw.write(bw, msg); err != nil {
				var unsendable *unsendableError
				if errors.As(err, &unsendable) {
					t.dropped.Add(1)
					t.logf("message %T to %v %v", msg, cn.peer, err)
				}
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
	_, in := cn.dirs()
	d := newFrameDecoder(bufio.NewReaderSize(cn.c, 64<<10), t.cfg.Key, cn.session, in, t.cfg.MaxFrameBytes)
	for {
		msg, err := d.next()
		if err != nil {
			var malformed *malformedError
			if errors.As(err, &malformed) {
				t.rejected.Add(1)
				t.logf("connection with %v closed: %v", cn.peer, err)
			}
			return // the peer went away, or the transport closed
		}
		if t.cfg.Faults.dropRecv(cn.peer) {
			t.dropped.Add(1)
			continue
		}
		t.received.Add(1)
		if t.cfg.Deliver != nil {
			t.cfg.Deliver(cn.peer, msg)
		}
	}
}
