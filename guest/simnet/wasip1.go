//go:build wasip1

package simnet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// The host's calls (guest/hostnet.go). A handle names a socket; its file
// is /simlab/sock/<handle>.

//go:wasmimport simlab sock_listen
func sockListen(port int32) int64

//go:wasmimport simlab sock_dial
func sockDial(host unsafe.Pointer, hostLen int32, port int32) int64

//go:wasmimport simlab sock_attach
func sockAttach(handle int32, fd int32) int32

//go:wasmimport simlab sock_status
func sockStatus(handle int32) int32

//go:wasmimport simlab sock_addr
func sockAddr(handle int32, remote int32, buf unsafe.Pointer, bufLen int32) int32

// Listen listens for connections on address's port (its host, if any, is
// this node).
func Listen(address string) (net.Listener, error) {
	_, port, err := splitAddr(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
	}
	h := sockListen(int32(port))
	if h < 0 {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("listen", syscall.Errno(-h))}
	}
	f, err := open(int32(h))
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
	}
	return &listener{f: f, addr: addrOf(int32(h), 0)}, nil
}

// Dial connects to address.
func Dial(address string) (net.Conn, error) { return DialTimeout(address, 0) }

// DialTimeout connects to address, giving up after timeout (none if it is
// 0; a connection that gets no answer times out by itself after 15 s).
func DialTimeout(address string, timeout time.Duration) (net.Conn, error) {
	host, port, err := splitAddr(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	h := sockDial(unsafe.Pointer(unsafe.StringData(host)), int32(len(host)), int32(port))
	if h < 0 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.Errno(-h))}
	}
	f, err := open(int32(h))
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	c := newConn(f, int32(h))
	if err := c.connect(timeout); err != nil {
		f.Close()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: c.remote, Err: err}
	}
	return c, nil
}

func splitAddr(address string) (string, int, error) {
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return host, port, nil
}

// open opens a socket's file as a non-blocking descriptor that Go's poller
// waits on, and tells the host which descriptor it is.
func open(h int32) (*os.File, error) {
	path := "/simlab/sock/" + strconv.Itoa(int(h))
	fd, err := syscall.Open(path, syscall.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("simnet: %s: %w (is the program running as a simlab guest node?)", path, err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if e := sockAttach(h, int32(fd)); e != 0 {
		syscall.Close(fd)
		return nil, syscall.Errno(e)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func addrOf(h int32, remote int32) Addr {
	var buf [300]byte
	n := sockAddr(h, remote, unsafe.Pointer(&buf[0]), int32(len(buf)))
	if n < 0 {
		return Addr{}
	}
	host, port, _ := splitAddr(string(buf[:n]))
	return Addr{Host: host, Port: port}
}

// listener is a listening socket.
type listener struct {
	f    *os.File
	addr Addr
}

func (l *listener) Accept() (net.Conn, error) {
	var buf [16]byte
	n, err := l.f.Read(buf[:])
	if err != nil {
		if errors.Is(err, os.ErrClosed) {
			err = net.ErrClosed
		}
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
	}
	h, err := strconv.Atoi(string(buf[:n]))
	if err != nil {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
	}
	f, err := open(int32(h))
	if err != nil {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
	}
	return newConn(f, int32(h)), nil
}

func (l *listener) Close() error   { return l.f.Close() }
func (l *listener) Addr() net.Addr { return l.addr }

// conn is one end of a connection.
type conn struct {
	f             *os.File
	h             int32
	local, remote Addr
}

func newConn(f *os.File, h int32) *conn {
	return &conn{f: f, h: h, local: addrOf(h, 0), remote: addrOf(h, 1)}
}

// connect waits until the connection is open or fails.
func (c *conn) connect(timeout time.Duration) error {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return err
	}
	if timeout > 0 {
		c.f.SetWriteDeadline(time.Now().Add(timeout))
		defer c.f.SetWriteDeadline(time.Time{})
	}
	var status int32
	err = rc.Write(func(uintptr) bool {
		status = sockStatus(c.h)
		return status != int32(syscall.EAGAIN)
	})
	if err != nil {
		return err
	}
	if status != 0 {
		return os.NewSyscallError("connect", syscall.Errno(status))
	}
	return nil
}

func (c *conn) Read(b []byte) (int, error) {
	n, err := c.f.Read(b)
	return n, c.wrap("read", err)
}

func (c *conn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	return n, c.wrap("write", err)
}

// wrap turns a file's error into what the net package would return: EOF
// as it is, the rest in a *net.OpError, and the host's EIO (wazero has no
// ECONNRESET) into why the connection failed.
func (c *conn) wrap(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, os.ErrClosed):
		err = net.ErrClosed
	case errors.Is(err, syscall.EIO):
		if s := sockStatus(c.h); s != 0 && s != int32(syscall.EAGAIN) {
			err = os.NewSyscallError(op, syscall.Errno(s))
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
	default:
		if errno, ok := err.(syscall.Errno); ok {
			err = os.NewSyscallError(op, errno)
		}
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}

func (c *conn) Close() error                       { return c.f.Close() }
func (c *conn) LocalAddr() net.Addr                { return c.local }
func (c *conn) RemoteAddr() net.Addr               { return c.remote }
func (c *conn) SetDeadline(t time.Time) error      { return c.f.SetDeadline(t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.f.SetReadDeadline(t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }
