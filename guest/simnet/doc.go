// Package simnet gives a Go program stream sockets that work both in simlab
// and on a real machine: built for wasip1 and run as a guest node of a
// World (guest.Program.Node), Listen and Dial make TCP-like connections
// over the World's network, which the World's faults act on (partitions,
// loss, delays, crashes that reset the peers' connections); built for any
// other target they are the net package's TCP.
//
// Addresses are host:port, where a host is a node's name in the World
// (what the harness gives guest.NodeConfig.Net) or, natively, a host name
// or IP address. What a connection promises is TCP's: bytes arrive in
// order and once, or the connection fails (reset by the peer, refused, or
// timed out after 15 s without an acknowledgement); a peer that crashed
// and stays down leaves the connection half-open until a write times out
// or a deadline passes.
package simnet

import (
	"net"
	"strconv"
)

// Addr is a socket's address in a World: a node's name and a port.
type Addr struct {
	Host string
	Port int
}

// Network implements net.Addr.
func (a Addr) Network() string { return "tcp" }

// String implements net.Addr: host:port.
func (a Addr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

var _ net.Addr = Addr{}
