package rsm

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Request is a client's operation for a service that answers with Serve.
// Op's concrete type must be registered with gob (it crosses the network
// and, inside a Command, the log).
type Request struct {
	ClientID uint64
	Seq      uint64
	Op       any
}

// Reply answers a Request. WrongLeader says the server could not apply it
// (not the leader, or leadership lost before it applied): try another.
// Otherwise Result is what the state machine's Apply returned.
type Reply struct {
	ClientID    uint64
	Seq         uint64
	WrongLeader bool
	Result      any
}

// Serve submits a request received from a client and answers it when it
// is applied, or with WrongLeader. A server's handler calls it for every
// Request it receives.
func (r *RSM) Serve(env node.Env, from node.ID, req Request) {
	r.Submit(env, req.ClientID, req.Seq, req.Op, func(env node.Env, result any, err error) {
		reply := Reply{ClientID: req.ClientID, Seq: req.Seq, Result: result, WrongLeader: err != nil}
		env.Send(from, reply)
	})
}

// Client is the client side of a service served by Serve: a component a
// node embeds, passing it its events. It runs one operation at a time,
// remembers which server of a list answered last, and tries the next on a
// timeout or a wrong-leader answer, always with the operation's sequence
// number, so that a retried operation applies once. After every server of
// the list has said no (an election is likely under way) it waits a retry
// timeout before going round again.
//
// A node may embed several Clients (a clerk of a sharded store talks to
// the controller and to the groups): each has its own client id, which
// its replies and timers carry.
type Client struct {
	retryTimeout time.Duration
	rounds       int // give up after this many rounds without an answer; 0: never
	clientID     uint64
	seq          uint64
	leader       map[node.ID]int // by a server list's first server: the index that answered last
	cur          *clientCall
	last         Request
	// late is an answer to the last operation that came after the client
	// gave up on it (GiveUpAfter): the operation took effect, and Again
	// with the same sequence number returns it at once instead of asking
	// for it again, which under a slow enough network would give up
	// again, for ever.
	late *Reply
}

type clientCall struct {
	req     Request
	servers []node.ID
	at      int // the index in servers tried last
	done    func(env node.Env, result any)
	timer   node.TimerID
	tries   int
	waiting bool // every server said no: the timer resends to servers[at]
}

type clientRetry struct{ ClientID, Seq uint64 }

// clientLate hands a late answer (Client.late) to an Again, in a handler
// call of its own.
type clientLate struct{ ClientID, Seq uint64 }

// NewClient returns a client that waits retryTimeout for an answer before
// trying the next server; zero means 100 ms.
func NewClient(retryTimeout time.Duration) *Client {
	if retryTimeout <= 0 {
		retryTimeout = 100 * time.Millisecond
	}
	return &Client{retryTimeout: retryTimeout, leader: map[node.ID]int{}}
}

// GiveUpAfter makes the client give up on an operation after rounds
// rounds of its server list without an answer (a timeout or a wrong
// leader from every server, rounds times): done is then called with a nil
// result, and the caller may find other servers and send the operation
// Again. Zero, the default, tries for ever.
func (c *Client) GiveUpAfter(rounds int) { c.rounds = rounds }

// Busy reports whether an operation is in progress.
func (c *Client) Busy() bool { return c.cur != nil }

// ID is the client's id (0 until its first operation).
func (c *Client) ID() uint64 { return c.clientID }

// Call runs op, with a new sequence number, on the service replicated on
// servers; done is called in a later handler call with the result.
func (c *Client) Call(env node.Env, servers []node.ID, op any, done func(env node.Env, result any)) {
	if c.clientID == 0 {
		c.clientID = env.Rand().Uint64() | 1
	}
	c.seq++
	c.start(env, Request{ClientID: c.clientID, Seq: c.seq, Op: op}, servers, done)
}

// Again sends the last operation again, with its sequence number, to
// servers: for a caller that rejected its answer (a sharded store's "wrong
// group") and now knows where to send it. Duplicate detection keeps it to
// one effect wherever it applied before.
func (c *Client) Again(env node.Env, servers []node.ID, done func(env node.Env, result any)) {
	if c.seq == 0 {
		panic("rsm: Client.Again before any Call")
	}
	c.start(env, c.last, servers, done)
}

func (c *Client) start(env node.Env, req Request, servers []node.ID, done func(env node.Env, result any)) {
	if c.cur != nil {
		panic(fmt.Sprintf("rsm: client asked to run %T while an operation is in progress", req.Op))
	}
	if len(servers) == 0 {
		panic(fmt.Sprintf("rsm: client asked to run %T on no servers", req.Op))
	}
	if c.late != nil && c.late.Seq != req.Seq {
		c.late = nil
	}
	c.last = req
	at := c.leader[servers[0]] % len(servers)
	c.cur = &clientCall{req: req, servers: servers, at: at, done: done}
	if c.late != nil {
		c.cur.timer = env.SetTimer(0, clientLate{c.clientID, req.Seq})
		return
	}
	c.send(env)
}

func (c *Client) send(env node.Env) {
	cl := c.cur
	cl.tries++
	env.Send(cl.servers[cl.at], cl.req)
	cl.timer = env.SetTimer(c.retryTimeout, clientRetry{c.clientID, cl.req.Seq})
}

func (c *Client) next() {
	cl := c.cur
	cl.at = (cl.at + 1) % len(cl.servers)
}

// givingUp ends the operation in progress with a nil result if it has
// used up its rounds.
func (c *Client) givingUp(env node.Env) bool {
	cl := c.cur
	if c.rounds == 0 || cl.tries < c.rounds*len(cl.servers) {
		return false
	}
	env.StopTimer(cl.timer)
	c.cur = nil
	cl.done(env, nil)
	return true
}

// Handle takes the client's events (its replies and retry timers) and
// reports whether the event was the client's.
func (c *Client) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Timeout:
		if t, ok := ev.Tag.(clientLate); ok && t.ClientID == c.clientID {
			if cl := c.cur; cl != nil && c.late != nil && t.Seq == cl.req.Seq {
				r := c.late
				c.late, c.cur = nil, nil
				cl.done(env, r.Result)
			}
			return true
		}
		t, ok := ev.Tag.(clientRetry)
		if !ok || t.ClientID != c.clientID {
			return false
		}
		if cl := c.cur; cl != nil && t.Seq == cl.req.Seq {
			if c.givingUp(env) {
				return true
			}
			if !cl.waiting {
				c.next()
			}
			cl.waiting = false
			c.send(env)
		}
		return true
	case *node.Recv:
		r, ok := ev.Msg.(Reply)
		if !ok || r.ClientID != c.clientID || c.clientID == 0 {
			return false
		}
		cl := c.cur
		if cl == nil && r.Seq == c.last.Seq && c.seq != 0 && !r.WrongLeader {
			c.late = &r // the answer to an operation given up on
			return true
		}
		if cl == nil || r.Seq != cl.req.Seq {
			return true // a late or duplicated answer
		}
		if r.WrongLeader {
			if ev.From != cl.servers[cl.at] {
				return true // an older try's answer; the current one is out
			}
			env.StopTimer(cl.timer)
			if c.givingUp(env) {
				return true
			}
			c.next()
			if cl.tries%len(cl.servers) == 0 {
				// Every server said no: wait a little instead of
				// spinning through them.
				cl.waiting = true
				cl.timer = env.SetTimer(c.retryTimeout, clientRetry{c.clientID, cl.req.Seq})
				return true
			}
			c.send(env)
			return true
		}
		env.StopTimer(cl.timer)
		for i, id := range cl.servers {
			if id == ev.From {
				c.leader[cl.servers[0]] = i // start there next time
			}
		}
		c.cur = nil
		cl.done(env, r.Result)
		return true
	}
	return false
}
