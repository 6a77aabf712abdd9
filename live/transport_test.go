package live

import (
	"bytes"
	"encoding/binary"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

type ping struct {
	N    int
	Body string
}

func init() { Register(ping{}) }

// inbox collects what a transport delivers.
type inbox struct {
	mu   sync.Mutex
	got  []ping
	from []node.ID
	cond chan struct{}
}

func newInbox() *inbox { return &inbox{cond: make(chan struct{}, 1)} }

func (b *inbox) deliver(from node.ID, msg any) {
	b.mu.Lock()
	b.got = append(b.got, msg.(ping))
	b.from = append(b.from, from)
	b.mu.Unlock()
	select {
	case b.cond <- struct{}{}:
	default:
	}
}

func (b *inbox) wait(t *testing.T, n int) []ping {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		b.mu.Lock()
		if len(b.got) >= n {
			out := append([]ping(nil), b.got...)
			b.mu.Unlock()
			return out
		}
		b.mu.Unlock()
		select {
		case <-b.cond:
		case <-deadline:
			t.Fatalf("got %d messages, want %d", len(b.got), n)
		}
	}
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

var quiet = log.New(io.Discard, "", 0)

func newPair(t *testing.T, keyA, keyB []byte) (a, b *Transport, inA, inB *inbox) {
	t.Helper()
	inA, inB = newInbox(), newInbox()
	var err error
	b, err = NewTransport(TransportConfig{Self: 1, Listen: "127.0.0.1:0", Key: keyB, Deliver: inB.deliver, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a, err = NewTransport(TransportConfig{Self: 0, Listen: "127.0.0.1:0", Key: keyA, Deliver: inA.deliver, Log: quiet,
		Peers: map[node.ID]string{1: b.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	b.cfg.Peers = map[node.ID]string{0: a.Addr().String()}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b, inA, inB
}

func TestTransportCarriesMessagesInOrder(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("a cluster key of enough bytes!!")} {
		a, b, inA, inB := newPair(t, key, key)
		for i := 0; i < 1000; i++ {
			a.Send(1, ping{N: i})
		}
		got := inB.wait(t, 1000)
		for i, p := range got {
			if p.N != i {
				t.Fatalf("key %q: message %d is %d: out of order", key, i, p.N)
			}
		}
		b.Send(0, ping{N: -1, Body: "reply"})
		if r := inA.wait(t, 1); r[0].Body != "reply" || inA.from[0] != 1 {
			t.Fatalf("reply = %+v from %v", r[0], inA.from[0])
		}
	}
}

func TestTransportRefusesAnotherKey(t *testing.T) {
	for _, tt := range []struct {
		name       string
		keyA, keyB []byte
	}{
		{"different keys", []byte("key one"), []byte("key two")},
		{"sender without a key", nil, []byte("key two")},
		{"receiver without a key", []byte("key one"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b, _, inB := newPair(t, tt.keyA, tt.keyB)
			for i := 0; i < 10; i++ {
				a.Send(1, ping{N: i})
			}
			deadline := time.Now().Add(5 * time.Second)
			for b.Stats().Rejected == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if b.Stats().Rejected == 0 {
				t.Fatal("the receiver never refused the sender")
			}
			if n := inB.count(); n != 0 {
				t.Fatalf("%d messages got through", n)
			}
		})
	}
}

func TestTransportNeedsAKeyOffLoopback(t *testing.T) {
	_, err := NewTransport(TransportConfig{Self: 0, Listen: "0.0.0.0:0", Log: quiet})
	if err == nil || !strings.Contains(err.Error(), "cluster key") {
		t.Fatalf("listening on 0.0.0.0 without a key: %v", err)
	}
	tr, err := NewTransport(TransportConfig{Self: 0, Listen: "0.0.0.0:0", Key: []byte("k"), Log: quiet})
	if err != nil {
		t.Fatalf("with a key: %v", err)
	}
	tr.Close()
}

// rawDial opens a connection to tr and does the handshake by hand as node
// from, returning the connection and its session.
func rawDial(t *testing.T, tr *Transport, from node.ID, key []byte) (net.Conn, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", tr.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	challenge, err := readOpening(c)
	if err != nil {
		t.Fatal(err)
	}
	h := hello{from: from, to: tr.cfg.Self, nonce: bytes.Repeat([]byte{7}, 16)}
	if err := writeFrame(c, h.frame(key, challenge)); err != nil {
		t.Fatal(err)
	}
	if verdict, err := readFrame(c, 1024); err != nil || string(verdict) != "ok" {
		t.Fatalf("handshake verdict %q, %v", verdict, err)
	}
	return c, append(append([]byte{}, challenge...), h.nonce...)
}

// TestTransportTellsARefusedDialerWhy: a dialer refused in the handshake
// (no key, another key, an ID the cluster does not accept) learns the
// reason, and nothing it sends is delivered.
func TestTransportTellsARefusedDialerWhy(t *testing.T) {
	for _, tt := range []struct {
		name       string
		keyA, keyB []byte
		accept     func(node.ID) bool
		want       string
	}{
		{"no key", nil, []byte("key two"), nil, "the peer has no cluster key"},
		{"another key", []byte("key one"), []byte("key two"), nil, "the peer has another cluster key"},
		{"an unknown ID", nil, nil, func(id node.ID) bool { return id == 7 }, "claims ID 0, which is no node of the cluster file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b, _, inB := newPair(t, tt.keyA, tt.keyB)
			b.cfg.Accept = tt.accept
			a.Send(1, ping{N: 1})
			deadline := time.Now().Add(5 * time.Second)
			for a.Refused() == nil && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			r := a.Refused()
			if r == nil || r.Peer != 1 || !strings.Contains(r.Reason, tt.want) {
				t.Fatalf("Refused() = %v; want node 1's refusal saying %q", r, tt.want)
			}
			if n := inB.count(); n != 0 {
				t.Fatalf("%d messages got through", n)
			}
		})
	}
}

func TestTransportSurvivesBadFrames(t *testing.T) {
	key := []byte("the key")
	for _, tt := range []struct {
		name  string
		frame func(session []byte, tr *Transport) []byte
	}{
		{"oversized", func([]byte, *Transport) []byte {
			return binary.BigEndian.AppendUint32(nil, 1<<31)
		}},
		{"bad MAC", func([]byte, *Transport) []byte {
			var b bytes.Buffer
			writeFrame(&b, make([]byte, 32), []byte("not gob at all"))
			return b.Bytes()
		}},
		{"garbage with a good MAC", func(session []byte, tr *Transport) []byte {
			var b bytes.Buffer
			junk := []byte{0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05}
			writeFrame(&b, frameMAC(newMAC(tr.cfg.Key), nil, session, 'd', 1, junk), junk)
			return b.Bytes()
		}},
		{"replayed sequence", func(session []byte, tr *Transport) []byte {
			// A good frame's MAC under sequence 2 sent first: out of order.
			var b bytes.Buffer
			junk := []byte{1, 2, 3}
			writeFrame(&b, frameMAC(newMAC(tr.cfg.Key), nil, session, 'd', 2, junk), junk)
			return b.Bytes()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := newInbox()
			tr, err := NewTransport(TransportConfig{Self: 1, Listen: "127.0.0.1:0", Key: key, Deliver: in.deliver, Log: quiet,
				MaxFrameBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			c, session := rawDial(t, tr, 5, key)
			c.Write(tt.frame(session, tr))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err == nil {
				t.Fatal("the connection stayed open")
			}
			if tr.Stats().Rejected == 0 {
				t.Error("not counted as rejected")
			}
			// The transport still serves an honest peer.
			a, err := NewTransport(TransportConfig{Self: 0, Key: key, Log: quiet, Peers: map[node.ID]string{1: tr.Addr().String()}})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			a.Send(1, ping{N: 42})
			if got := in.wait(t, 1); got[0].N != 42 {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestTransportAnswersAClientOnItsConnection(t *testing.T) {
	inS, inC := newInbox(), newInbox()
	server, err := NewTransport(TransportConfig{Self: 0, Listen: "127.0.0.1:0", Deliver: inS.deliver, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	client, err := NewTransport(TransportConfig{Self: 1000, Deliver: inC.deliver, Log: quiet, Peers: map[node.ID]string{0: server.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	client.Send(0, ping{N: 1})
	inS.wait(t, 1)
	server.Send(1000, ping{N: 2}) // no address: over the client's connection
	if got := inC.wait(t, 1); got[0].N != 2 {
		t.Fatalf("client got %+v", got)
	}
}

func TestTransportFaultsCutLinks(t *testing.T) {
	a, _, _, inB := newPair(t, nil, nil)
	f := &Faults{}
	a.cfg.Faults = f
	a.Send(1, ping{N: 1})
	inB.wait(t, 1)
	f.Cut(1)
	for i := 0; i < 10; i++ {
		a.Send(1, ping{N: 2})
	}
	f.Heal()
	a.Send(1, ping{N: 3})
	got := inB.wait(t, 2)
	if len(got) != 2 || got[1].N != 3 {
		t.Fatalf("across a cut link: %+v", got)
	}
	if a.Stats().Dropped != 10 {
		t.Fatalf("dropped %d, want 10", a.Stats().Dropped)
	}
}

// BenchmarkTransportRoundTrip sends a message to a peer on loopback and
// waits for its answer, one at a time, and reports half the round trip:
// the one-way delay the simulator's link is calibrated with.
//
//	go test -run xxx -bench TransportRoundTrip ./live
func BenchmarkTransportRoundTrip(b *testing.B) {
	back := make(chan struct{}, 1)
	var a *Transport
	var peer *Transport
	peer, err := NewTransport(TransportConfig{Self: 1, Listen: "127.0.0.1:0", Log: quiet,
		Deliver: func(from node.ID, msg any) { peer.Send(0, msg) }})
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	a, err = NewTransport(TransportConfig{Self: 0, Listen: "127.0.0.1:0", Log: quiet, Peers: map[node.ID]string{1: peer.Addr().String()},
		Deliver: func(node.ID, any) { back <- struct{}{} }})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	peer.cfg.Peers = map[node.ID]string{0: a.Addr().String()}
	a.Send(1, ping{N: -1}) // connect both ways
	<-back
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		a.Send(1, ping{N: i})
		<-back
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/2, "one-way-µs")
}
