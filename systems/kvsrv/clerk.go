package kvsrv

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// Clerk talks to the server on behalf of a client node, one call at a
// time: it resends every RetryInterval until it hears the answer. Build it
// in the client's factory and pass every event to Handle first.
type Clerk struct {
	server   node.ID
	retry    time.Duration
	id, seq  uint64
	pending  any // GetArgs or PutArgs in flight, nil for none
	attempts int
	onGet    func(env node.Env, value string, version uint64, err string)
	onPut    func(env node.Env, err string)
}

type retryTick struct{ ReqID uint64 }

// DefaultRetryInterval is how long a Clerk waits before resending.
const DefaultRetryInterval = 100 * time.Millisecond

// NewClerk returns a clerk of server; retry 0 means DefaultRetryInterval.
func NewClerk(server node.ID, retry time.Duration) *Clerk {
	if retry <= 0 {
		retry = DefaultRetryInterval
	}
	return &Clerk{server: server, retry: retry}
}

// Busy reports whether a call is in flight.
func (ck *Clerk) Busy() bool { return ck.pending != nil }

// Get fetches key's value and version; done gets ErrNoKey for a key never
// put.
func (ck *Clerk) Get(env node.Env, key string, done func(env node.Env, value string, version uint64, err string)) {
	ck.begin(env)
	ck.onGet = done
	ck.pending = GetArgs{Key: key, ReqID: ck.reqID()}
	ck.send(env)
}

// Put sets key to value if its version is version. done gets OK,
// ErrVersion, ErrNoKey, or ErrMaybe when a resent Put saw ErrVersion (the
// first attempt may have applied: read the key to find out).
func (ck *Clerk) Put(env node.Env, key, value string, version uint64, done func(env node.Env, err string)) {
	ck.begin(env)
	ck.onPut = done
	ck.pending = PutArgs{Key: key, Value: value, Version: version, ReqID: ck.reqID()}
	ck.send(env)
}

func (ck *Clerk) begin(env node.Env) {
	if ck.pending != nil {
		panic("kvsrv: a Clerk call while another is in flight")
	}
	if ck.id == 0 {
		ck.id = env.Rand().Uint64() >> 16 // one per incarnation
	}
	ck.attempts = 0
}

func (ck *Clerk) reqID() uint64 {
	ck.seq++
	return ck.id<<16 ^ ck.seq
}

func (ck *Clerk) send(env node.Env) {
	ck.attempts++
	env.Send(ck.server, ck.pending)
	var id uint64
	switch a := ck.pending.(type) {
	case GetArgs:
		id = a.ReqID
	case PutArgs:
		id = a.ReqID
	}
	env.SetTimer(ck.retry, retryTick{ReqID: id})
}

// Handle takes the clerk's replies and timers and reports whether the
// event was the clerk's.
func (ck *Clerk) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Timeout:
		t, ok := ev.Tag.(retryTick)
		if !ok {
			return false
		}
		if ck.current() == t.ReqID {
			ck.send(env)
		}
		return true
	case *node.Recv:
		switch r := ev.Msg.(type) {
		case GetReply:
			if a, ok := ck.pending.(GetArgs); ok && a.ReqID == r.ReqID {
				ck.pending = nil
				ck.onGet(env, r.Value, r.Version, r.Err)
			}
			return true
		case PutReply:
			if a, ok := ck.pending.(PutArgs); ok && a.ReqID == r.ReqID {
				ck.pending = nil
				err := r.Err
				if err == ErrVersion && ck.attempts > 1 {
					env.Mark(markMaybe)
					err = ErrMaybe // our own first attempt may be what moved the version
				}
				ck.onPut(env, err)
			}
			return true
		}
	}
	return false
}

func (ck *Clerk) current() uint64 {
	switch a := ck.pending.(type) {
	case GetArgs:
		return a.ReqID
	case PutArgs:
		return a.ReqID
	}
	return 0
}

//simlab:readonly a mark is an ID fixed at init, never written after
var markMaybe = node.NewMark("kvsrv/put-answered-maybe",
	"a resent put saw ErrVersion: the clerk cannot tell whether its first attempt applied")
