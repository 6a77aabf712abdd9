package kvnode

import (
	"net"
	"time"

	"github.com/hashicorp/raft"

	"github.com/simlab-go/simlab/guest/simnet"
)

// streamLayer is raft's StreamLayer over simnet: a listener, the address
// the server is known by, and Dial.
type streamLayer struct {
	net.Listener
	advertise net.Addr
}

func newStreamLayer(bind, advertise string) (*streamLayer, error) {
	l, err := simnet.Listen(bind)
	if err != nil {
		return nil, err
	}
	host, port, err := splitAddr(advertise)
	if err != nil {
		l.Close()
		return nil, err
	}
	return &streamLayer{Listener: l, advertise: simnet.Addr{Host: host, Port: port}}, nil
}

// Addr is the address peers dial: the advertised one, not the bound one
// (":8300" natively).
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// Dial implements raft.StreamLayer.
func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return simnet.DialTimeout(string(address), timeout)
}
