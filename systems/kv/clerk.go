package kv

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Clerk is the client side of the store: a component a client node embeds,
// passing it its events. It runs one operation at a time, remembers which
// server led last, and retries another server on a timeout or a
// wrong-leader answer, always with the operation's sequence number so that
// a retried Put or Append applies once.
type Clerk struct {
	servers      []node.ID
	retryTimeout time.Duration
	clientID     uint64
	seq          uint64
	leader       int
	cur          *call
}

type call struct {
	req   Request
	done  func(env node.Env, value string)
	timer node.TimerID
	tries int
}

type retryTag struct{ Seq uint64 }

// NewClerk returns a clerk for the given servers that waits retryTimeout
// for an answer before trying the next server; zero means 100 ms.
func NewClerk(servers []node.ID, retryTimeout time.Duration) *Clerk {
	if retryTimeout <= 0 {
		retryTimeout = 100 * time.Millisecond
	}
	return &Clerk{servers: servers, retryTimeout: retryTimeout}
}

// Busy reports whether an operation is in progress.
func (ck *Clerk) Busy() bool { return ck.cur != nil }

// ID is the clerk's client id (0 until its first operation).
func (ck *Clerk) ID() uint64 { return ck.clientID }

// Get reads key; done gets its value ("" if never written).
func (ck *Clerk) Get(env node.Env, key string, done func(env node.Env, value string)) {
	ck.do(env, Op{Kind: Get, Key: key}, done)
}

// Put sets key to value.
func (ck *Clerk) Put(env node.Env, key, value string, done func(env node.Env, value string)) {
	ck.do(env, Op{Kind: Put, Key: key, Value: value}, done)
}

// Append appends value to key's value.
func (ck *Clerk) Append(env node.Env, key, value string, done func(env node.Env, value string)) {
	ck.do(env, Op{Kind: Append, Key: key, Value: value}, done)
}

// Do runs op; done is called inside a later handler call with the value.
func (ck *Clerk) Do(env node.Env, op Op, done func(env node.Env, value string)) { ck.do(env, op, done) }

func (ck *Clerk) do(env node.Env, op Op, done func(env node.Env, value string)) {
	if ck.cur != nil {
		panic(fmt.Sprintf("kv: clerk asked to %s while an operation is in progress", op.Kind))
	}
	if ck.clientID == 0 {
		ck.clientID = env.Rand().Uint64() | 1
	}
	ck.seq++
	ck.cur = &call{req: Request{ClientID: ck.clientID, Seq: ck.seq, Op: op}, done: done}
	ck.send(env)
}

func (ck *Clerk) send(env node.Env) {
	c := ck.cur
	c.tries++
	env.Send(ck.servers[ck.leader], c.req)
	c.timer = env.SetTimer(ck.retryTimeout, retryTag{Seq: c.req.Seq})
}

// Handle takes the clerk's events (replies and retry timers) and reports
// whether the event was the clerk's.
func (ck *Clerk) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Timeout:
		t, ok := ev.Tag.(retryTag)
		if !ok {
			return false
		}
		if ck.cur != nil && t.Seq == ck.cur.req.Seq {
			ck.leader = (ck.leader + 1) % len(ck.servers)
			ck.send(env)
		}
		return true
	case *node.Recv:
		r, ok := ev.Msg.(Reply)
		if !ok {
			return false
		}
		if ck.cur == nil || r.ClientID != ck.clientID || r.Seq != ck.cur.req.Seq {
			return true // a late or duplicated answer
		}
		if r.Err == ErrWrongLeader {
			if ev.From != ck.servers[ck.leader] {
				return true // an older try's answer; the current one is out
			}
			env.StopTimer(ck.cur.timer)
			ck.leader = (ck.leader + 1) % len(ck.servers)
			if ck.cur.tries%len(ck.servers) == 0 {
				// Every server said no: an election is likely under way.
				// Wait a little instead of spinning through them.
				ck.cur.timer = env.SetTimer(ck.retryTimeout, retryTag{Seq: ck.cur.req.Seq})
				return true
			}
			ck.send(env)
			return true
		}
		env.StopTimer(ck.cur.timer)
		for i, id := range ck.servers {
			if id == ev.From {
				ck.leader = i // remember who answered
			}
		}
		c := ck.cur
		ck.cur = nil
		c.done(env, r.Value)
		return true
	}
	return false
}
