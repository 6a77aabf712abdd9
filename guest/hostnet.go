package guest

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The host module "simlab": what a guest node's program asks of the host
// beyond WASI, through the guest package guest/simnet. Each function
// answers a WASI error number (negated where it also returns a value); a
// program run outside a World gets ENOSYS.

// SimlabModule is the name of the host module a guest imports its
// sockets from.
const SimlabModule = "simlab"

// WASI error numbers of the socket calls.
const (
	wasiEIO          = 29
	wasiEADDRINUSE   = 3
	wasiEAGAIN       = 6
	wasiEBADF        = 8
	wasiECONNREFUSED = 14
	wasiECONNRESET   = 15
	wasiEHOSTUNREACH = 23
	wasiEINVAL       = 28
	wasiENOENT       = 44
	wasiENOSYS       = 52
	wasiETIMEDOUT    = 73
)

func instantiateSimlab(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(SimlabModule)
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockListen), []api.ValueType{i32}, []api.ValueType{i64}).
		WithParameterNames("port").Export("sock_listen")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockDial), []api.ValueType{i32, i32, i32}, []api.ValueType{i64}).
		WithParameterNames("host", "host_len", "port").Export("sock_dial")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockAttach), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("handle", "fd").Export("sock_attach")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockStatus), []api.ValueType{i32}, []api.ValueType{i32}).
		WithParameterNames("handle").Export("sock_status")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockAddr), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("handle", "remote", "buf", "buf_len").Export("sock_addr")
	_, err := b.Instantiate(ctx)
	return err
}

// netOf is the node run of a host call, nil outside a World.
func netOf(ctx context.Context) (*instance, *nodeRun) {
	r := runOf(ctx)
	return r, r.node
}

// negErrno is a failed call's i64 result: the error number, negated;
// negErrno32 is an i32 result's.
func negErrno(e uint32) uint64   { return uint64(-int64(e)) }
func negErrno32(e uint32) uint64 { return uint64(uint32(-int32(e))) }

// sockListen opens a listener: its handle, or -errno.
func sockListen(ctx context.Context, mod api.Module, stack []uint64) {
	r, n := netOf(ctx)
	if n == nil {
		stack[0] = negErrno(wasiENOSYS)
		return
	}
	port := int(int32(stack[0]))
	l, errno := n.stack.listen(port)
	r.call(KindNet, uint64(port), func() string { return fmt.Sprintf("listen :%d: %v", port, errnoText(errno)) })
	if errno != 0 {
		stack[0] = negErrno(errno)
		return
	}
	stack[0] = uint64(l.handle)
}

// sockDial opens a connection and sends its SYN: its handle, or -errno.
func sockDial(ctx context.Context, mod api.Module, stack []uint64) {
	r, n := netOf(ctx)
	if n == nil {
		stack[0] = negErrno(wasiENOSYS)
		return
	}
	host, ok := mod.Memory().Read(uint32(stack[0]), uint32(stack[1]))
	if !ok {
		stack[0] = negErrno(wasiEINVAL)
		return
	}
	port := int(int32(stack[2]))
	c, errno := n.stack.dial(n.env, string(host), port)
	r.call(KindNet, uint64(port), func() string { return fmt.Sprintf("dial %s:%d: %v", host, port, errnoText(errno)) })
	if errno != 0 {
		stack[0] = negErrno(errno)
		return
	}
	stack[0] = uint64(c.handle)
}

// sockAttach tells the host which descriptor the guest opened a socket's
// file as, so that poll_oneoff answers for it.
func sockAttach(ctx context.Context, mod api.Module, stack []uint64) {
	_, n := netOf(ctx)
	if n == nil {
		stack[0] = wasiENOSYS
		return
	}
	s := n.stack.handles[int32(stack[0])]
	if s == nil {
		stack[0] = wasiEBADF
		return
	}
	n.stack.attach(s, int32(stack[1]))
	stack[0] = 0
}

// sockStatus is a connection's state: 0 open, EAGAIN connecting, or why
// it failed.
func sockStatus(ctx context.Context, mod api.Module, stack []uint64) {
	_, n := netOf(ctx)
	if n == nil {
		stack[0] = wasiENOSYS
		return
	}
	s := n.stack.handles[int32(stack[0])]
	if s == nil || s.listener {
		stack[0] = wasiEBADF
		return
	}
	stack[0] = uint64(s.status())
}

// sockAddr writes a socket's local (or remote) address, host:port, and
// answers its length or -errno.
func sockAddr(ctx context.Context, mod api.Module, stack []uint64) {
	_, n := netOf(ctx)
	if n == nil {
		stack[0] = negErrno32(wasiENOSYS)
		return
	}
	s := n.stack.handles[int32(stack[0])]
	if s == nil {
		stack[0] = negErrno32(wasiEBADF)
		return
	}
	host, port := n.self, s.port
	if uint32(stack[1]) != 0 { // an i32: the upper half of the slot is not ours to read
		host, port = s.peerName, s.peerPort
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if uint32(len(addr)) > uint32(stack[3]) || !mod.Memory().Write(uint32(stack[2]), []byte(addr)) {
		stack[0] = negErrno32(wasiEINVAL)
		return
	}
	stack[0] = uint64(len(addr))
}

func errnoText(e uint32) string {
	if e == 0 {
		return "ok"
	}
	return fmt.Sprintf("WASI error %d", e)
}
