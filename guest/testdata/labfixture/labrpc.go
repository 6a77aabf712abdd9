package labfixture

// labrpc.go: the harness's in-process RPC network, in the style of the
// 6.5840 labrpc package (written afresh for this fixture).
//
// A ClientEnd's Call encodes its arguments with encoding/gob and hands the
// request over a channel to the network goroutine, which starts one
// goroutine per request. That goroutine decides the request's fate: when the
// network is unreliable it waits a short random delay and may lose the
// request or the reply, and now and then holds a reply back for a long
// time; when the end's link is disabled (a partition, a disconnected
// server) the request is lost. A lost request or reply makes Call return
// false after a random timeout, as a real RPC library would. A delivered
// request runs its handler in a goroutine of its own.

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type rpcRequest struct {
	end     string // the client end that sent it
	method  string // "Service.Method"
	args    []byte
	replyCh chan rpcReply
}

type rpcReply struct {
	ok   bool
	data []byte
}

// Network is the simulated network that connects client ends to servers.
type Network struct {
	mu         sync.Mutex
	reliable   bool
	longDelays bool              // hold back some replies for a long time
	enabled    map[string]bool   // by end name
	target     map[string]string // end name -> server name
	servers    map[string]Server // by name
	in         chan rpcRequest
	done       chan struct{}
	calls      atomic.Int64
}

// MakeNetwork returns a reliable network with its goroutine running.
func MakeNetwork() *Network {
	rn := &Network{
		reliable: true,
		enabled:  map[string]bool{},
		target:   map[string]string{},
		servers:  map[string]Server{},
		in:       make(chan rpcRequest),
		done:     make(chan struct{}),
	}
	go rn.loop()
	return rn
}

// loop is the network goroutine: it receives every request and gives each
// one a goroutine of its own.
func (rn *Network) loop() {
	for {
		select {
		case req := <-rn.in:
			rn.calls.Add(1)
			go rn.deliver(req)
		case <-rn.done:
			return
		}
	}
}

// Cleanup stops the network goroutine; later Calls return false.
func (rn *Network) Cleanup() { close(rn.done) }

// SetUnreliable turns delays and losses (long delays included) on or off.
func (rn *Network) SetUnreliable(yes bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.reliable, rn.longDelays = !yes, yes
}

// Calls is how many requests the network has carried.
func (rn *Network) Calls() int { return int(rn.calls.Load()) }

// MakeEnd creates a client end to the named server, its link down.
func (rn *Network) MakeEnd(name, server string) *ClientEnd {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	e := &ClientEnd{name: name, net: rn}
	rn.enabled[name] = false
	rn.target[name] = server
	return e
}

// AddServer registers a server under a name.
func (rn *Network) AddServer(name string, s Server) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.servers[name] = s
}

// Enable turns an end's link on or off.
func (rn *Network) Enable(end string, on bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.enabled[end] = on
}

type linkState struct {
	up         bool
	server     Server
	reliable   bool
	longDelays bool
}

func (rn *Network) link(end string) linkState {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	s := rn.servers[rn.target[end]]
	return linkState{rn.enabled[end] && s != nil, s, rn.reliable, rn.longDelays}
}

// deliver is one request's fate.
func (rn *Network) deliver(req rpcRequest) {
	l := rn.link(req.end)
	if !l.up {
		rn.lose(req)
		return
	}
	if !l.reliable {
		time.Sleep(time.Duration(rand.Intn(26)) * time.Millisecond)
		if rand.Intn(10) == 0 { // the request is lost
			rn.lose(req)
			return
		}
	}
	handled := make(chan rpcReply, 1)
	go func() { handled <- l.server.dispatch(req) }()
	rep := <-handled
	if !rn.link(req.end).up { // cut while the handler ran: the reply is lost
		rn.lose(req)
		return
	}
	if !l.reliable {
		if rand.Intn(10) == 0 { // the reply is lost
			rn.lose(req)
			return
		}
		if l.longDelays && rand.Intn(25) == 0 { // a long detour
			time.Sleep(time.Duration(200+rand.Intn(800)) * time.Millisecond)
		}
	}
	req.replyCh <- rep
}

// lose answers a request as a lost one: the caller hears nothing until its
// timeout runs out.
func (rn *Network) lose(req rpcRequest) {
	timeout := time.Duration(rand.Intn(100)) * time.Millisecond
	time.AfterFunc(timeout, func() { req.replyCh <- rpcReply{} })
}

// ClientEnd is one client's connection to one server.
type ClientEnd struct {
	name string
	net  *Network
}

// Call sends an RPC and waits for its reply. It returns true if the reply
// came back (and was decoded into reply), false if the request or its
// reply was lost or the server could not be reached.
func (e *ClientEnd) Call(method string, args any, reply any) bool {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(args); err != nil {
		panic(fmt.Sprintf("labrpc: encoding the arguments of %s: %v", method, err))
	}
	req := rpcRequest{end: e.name, method: method, args: buf.Bytes(), replyCh: make(chan rpcReply, 1)}
	select {
	case e.net.in <- req:
	case <-e.net.done:
		return false
	}
	rep := <-req.replyCh
	if !rep.ok {
		return false
	}
	if err := gob.NewDecoder(bytes.NewReader(rep.data)).Decode(reply); err != nil {
		panic(fmt.Sprintf("labrpc: decoding the reply of %s: %v", method, err))
	}
	return true
}

// Server is a set of services reachable under one name, by type name.
type Server map[string]*Service

func (s Server) dispatch(req rpcRequest) rpcReply {
	svcName, method, _ := strings.Cut(req.method, ".")
	svc := s[svcName]
	if svc == nil {
		panic("labrpc: unknown service in " + req.method)
	}
	return svc.call(method, req.args)
}

// Service is an object whose methods of the form M(args *A, reply *R) are
// RPC handlers, named "Type.M".
type Service struct {
	name     string
	receiver reflect.Value
	handlers map[string]reflect.Method
}

// NewService collects the handler methods of receiver (a pointer).
func NewService(receiver any) *Service {
	v := reflect.ValueOf(receiver)
	t := v.Type()
	svc := &Service{name: reflect.Indirect(v).Type().Name(), receiver: v, handlers: map[string]reflect.Method{}}
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		mt := m.Type
		if mt.NumIn() == 3 && mt.NumOut() == 0 &&
			mt.In(1).Kind() == reflect.Pointer && mt.In(2).Kind() == reflect.Pointer {
			svc.handlers[m.Name] = m
		}
	}
	return svc
}

func (svc *Service) call(method string, data []byte) rpcReply {
	m, ok := svc.handlers[method]
	if !ok {
		panic("labrpc: " + svc.name + " has no handler " + method)
	}
	args := reflect.New(m.Type.In(1).Elem())
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(args.Interface()); err != nil {
		panic(fmt.Sprintf("labrpc: decoding the arguments of %s.%s: %v", svc.name, method, err))
	}
	reply := reflect.New(m.Type.In(2).Elem())
	m.Func.Call([]reflect.Value{svc.receiver, args, reply})
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(reply.Interface()); err != nil {
		panic(fmt.Sprintf("labrpc: encoding the reply of %s.%s: %v", svc.name, method, err))
	}
	return rpcReply{ok: true, data: buf.Bytes()}
}
