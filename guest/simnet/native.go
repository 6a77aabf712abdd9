//go:build !wasip1

package simnet

import (
	"net"
	"time"
)

// Listen listens for TCP connections on address.
func Listen(address string) (net.Listener, error) { return net.Listen("tcp", address) }

// Dial connects to address over TCP.
func Dial(address string) (net.Conn, error) { return net.Dial("tcp", address) }

// DialTimeout connects to address over TCP, giving up after timeout (none
// if it is 0).
func DialTimeout(address string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", address, timeout)
}
