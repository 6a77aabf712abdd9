package pbservice

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// Clerk runs one operation at a time against the primary, whose identity
// it caches: it asks the view service only when the primary it knows
// refuses or does not answer.
type Clerk struct {
	vs       node.ID
	id, seq  uint64
	primary  node.ID
	pending  *Request
	done     func(env node.Env, value string)
	retry    time.Duration
	attempts int
}

type clerkTick struct{ Seq uint64 }

// NewClerk returns a clerk of the service whose view service is vs.
func NewClerk(vs node.ID) *Clerk {
	return &Clerk{vs: vs, primary: node.None, retry: 100 * time.Millisecond}
}

// Busy reports whether an operation is in flight.
func (ck *Clerk) Busy() bool { return ck.pending != nil }

// Do runs op (Get, Put or Append) and calls done with Get's value.
func (ck *Clerk) Do(env node.Env, kind, key, value string, done func(env node.Env, value string)) {
	if ck.id == 0 {
		ck.id = env.Rand().Uint64()>>1 | 1
	}
	ck.seq++
	ck.pending = &Request{ClientID: ck.id, Seq: ck.seq, Kind: kind, Key: key, Value: value}
	ck.done = done
	ck.attempts = 0
	ck.send(env)
}

func (ck *Clerk) send(env node.Env) {
	ck.attempts++
	if ck.primary == node.None {
		env.Send(ck.vs, viewservice.Query{})
	} else {
		env.Send(ck.primary, *ck.pending)
	}
	env.SetTimer(ck.retry, clerkTick{Seq: ck.seq})
}

// Handle takes the clerk's replies and timers and reports whether the
// event was the clerk's.
func (ck *Clerk) Handle(env node.Env, ev node.Event) bool {
	switch ev := ev.(type) {
	case *node.Timeout:
		t, ok := ev.Tag.(clerkTick)
		if !ok {
			return false
		}
		if ck.pending != nil && t.Seq == ck.pending.Seq {
			if ck.attempts%2 == 0 {
				ck.primary = node.None // silent: ask the view service
			}
			ck.send(env)
		}
		return true
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case viewservice.QueryReply:
			if ck.pending != nil && m.View.Primary != node.None && ck.primary == node.None {
				ck.primary = m.View.Primary
				env.Send(ck.primary, *ck.pending)
			}
			return true
		case Reply:
			if ck.pending == nil || m.ClientID != ck.pending.ClientID || m.Seq != ck.pending.Seq {
				return true
			}
			if m.Err == ErrWrongServer {
				ck.primary = node.None
				return true // the timer resends after asking the view service
			}
			ck.pending = nil
			ck.done(env, m.Value)
			return true
		}
	}
	return false
}
