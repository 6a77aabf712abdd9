package guest

import (
	"bytes"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
)

// pair is two stacks, a (node 0, the dialer) and b (node 1, listening on
// port 80), whose segments the test carries by hand.
type pair struct {
	t        *testing.T
	envs     [2]*nodetest.Env
	stacks   [2]*netStack
	listener *sock
}

func newPair(t *testing.T) *pair {
	p := &pair{t: t}
	for i := range p.envs {
		p.envs[i] = nodetest.New(node.ID(i), uint64(i+1))
		p.stacks[i] = newNetStack(nil)
	}
	l, errno := p.stacks[1].listen(80)
	if errno != 0 {
		t.Fatal(errno)
	}
	p.listener = l
	return p
}

// pending returns the segments node i sent and the test has not carried.
func (p *pair) pending(i int) []*Segment {
	var out []*Segment
	for _, s := range p.envs[i].Sent() {
		out = append(out, s.Msg.(*Segment))
	}
	return out
}

// deliver carries every pending segment, in both directions, until none is
// left; shuffle reorders and duplicates each batch first.
func (p *pair) deliver(shuffle bool) {
	for round := 0; round < 100; round++ {
		moved := false
		for i := range p.stacks {
			segs := p.pending(i)
			if shuffle && len(segs) > 1 {
				segs = append(segs, segs[0]) // a duplicate
				for j, k := 0, len(segs)-1; j < k; j, k = j+1, k-1 {
					segs[j], segs[k] = segs[k], segs[j] // reversed
				}
			}
			for _, s := range segs {
				p.stacks[1-i].segment(p.envs[1-i], node.ID(i), s)
				moved = true
			}
		}
		if !moved {
			return
		}
	}
	p.t.Fatal("segments still flowing after 100 rounds")
}

func (p *pair) connect() (dialer, accepted *sock) {
	p.t.Helper()
	c, errno := p.stacks[0].dial(p.envs[0], "n1", 80)
	if errno != 0 {
		p.t.Fatal(errno)
	}
	p.deliver(false)
	a, aerr := p.stacks[1].next(p.listener)
	if aerr != 0 || c.status() != 0 {
		p.t.Fatalf("after the handshake: accept %v, dialer status %d", aerr, c.status())
	}
	return c, a
}

// TestStreamDeliversInOrderOnce: bytes written on one end are read on the
// other in order and once, though their segments arrive reversed and
// duplicated; a close is an end of stream after them.
func TestStreamDeliversInOrderOnce(t *testing.T) {
	p := newPair(t)
	c, a := p.connect()
	var want []byte
	for i := 0; i < 5; i++ {
		chunk := bytes.Repeat([]byte{byte('a' + i)}, segmentMax+100) // two segments each
		if n, errno := p.stacks[0].write(p.envs[0], c, chunk); errno != 0 || n != len(chunk) {
			t.Fatalf("write: %d, %v", n, errno)
		}
		want = append(want, chunk...)
	}
	p.stacks[0].close(p.envs[0], c)
	p.deliver(true)
	var got []byte
	buf := make([]byte, 7000)
	for {
		n, errno := p.stacks[1].read(a, buf)
		if errno != 0 {
			t.Fatalf("read: %v after %d bytes", errno, len(got))
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written in order", len(got), len(want))
	}
}

// TestStreamResetByARestartedPeer: a segment for a connection the peer
// does not know (it restarted) is answered with a reset, and the
// connection fails with ECONNRESET.
func TestStreamResetByARestartedPeer(t *testing.T) {
	p := newPair(t)
	c, _ := p.connect()
	p.stacks[1] = newNetStack(nil) // node 1 crashed and restarted
	p.stacks[0].write(p.envs[0], c, []byte("hello"))
	p.deliver(false)
	if c.status() != wasiECONNRESET || !c.readable() || !c.writable() {
		t.Fatalf("status %d (readable %v, writable %v); want ECONNRESET, and the failure ready for both", c.status(), c.readable(), c.writable())
	}
	// A dial to a port nobody listens on is refused.
	r, _ := p.stacks[0].dial(p.envs[0], "n1", 81)
	p.deliver(false)
	if r.status() != wasiECONNREFUSED {
		t.Fatalf("a dial to a closed port: status %d; want ECONNREFUSED", r.status())
	}
}

// TestStreamClosedDescriptorIsReused: the guest closes a connection whose
// FIN is still in flight and its next socket gets the same descriptor; the
// old connection's end must not take the descriptor from the new one (a
// guest then waited on a descriptor the host no longer knew, and spun).
func TestStreamClosedDescriptorIsReused(t *testing.T) {
	p := newPair(t)
	c, a := p.connect()
	p.stacks[0].attach(c, 5)
	p.stacks[0].close(p.envs[0], c) // FIN sent, not yet acknowledged
	next, _ := p.stacks[0].dial(p.envs[0], "n1", 80)
	p.stacks[0].attach(next, 5)
	p.deliver(false)
	p.stacks[1].close(p.envs[1], a)
	p.deliver(false)
	if _, ok := p.stacks[0].conns[c.key]; ok {
		t.Fatalf("the closed connection is still there after both FINs")
	}
	if got := p.stacks[0].fds[5]; got != next {
		t.Fatalf("descriptor 5 is %v; want the new connection", got)
	}
}
