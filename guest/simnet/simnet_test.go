//go:build !wasip1

package simnet_test

import (
	"bufio"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest/simnet"
)

// TestNativeIsNet: built natively, simnet is the net package's TCP: a
// listener on loopback, a dial to it, bytes both ways. (Built for wasip1
// it is simlab's streams, tested through guest nodes in package guest.)
func TestNativeIsNet(t *testing.T) {
	l, err := simnet.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("echo " + line))
	}()
	c, err := simnet.DialTimeout(l.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "echo hello\n" {
		t.Fatalf("read %q, %v; want the echo", got, err)
	}
}

func TestAddr(t *testing.T) {
	a := simnet.Addr{Host: "s1", Port: 8300}
	if a.Network() != "tcp" || a.String() != "s1:8300" {
		t.Errorf("%v: network %q, string %q", a, a.Network(), a.String())
	}
}
