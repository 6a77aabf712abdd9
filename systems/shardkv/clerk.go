package shardkv

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// Clerk is the client side of the sharded store, a component a client
// node embeds, passing it its events with Handle. It keeps a
// configuration, sends each operation to the group that serves the key's
// shard, and, when that group answers ErrWrongGroup or does not answer
// within a round of its servers, asks the controller for the latest
// configuration and sends the operation again, with the same sequence
// number, where that says: a retried Put or Append applies once, even
// across a move of its shard.
type Clerk struct {
	nShards int
	ctrl    *shardctrler.Clerk
	groups  *rsm.Client
	config  shardctrler.Config
	cur     *clerkCall
	retry   time.Duration
}

type clerkCall struct {
	op   Op
	done func(env node.Env, value string)
	sent bool // the operation has a sequence number: resend it Again
}

type clerkWait struct{}

// NewClerk returns a clerk of the store whose controller runs on
// controllers, for nShards shards (0: shardctrler.DefaultNShards),
// waiting retryTimeout (0: 100 ms) for each answer.
func NewClerk(controllers []node.ID, nShards int, retryTimeout time.Duration) *Clerk {
	if nShards <= 0 {
		nShards = shardctrler.DefaultNShards
	}
	if retryTimeout <= 0 {
		retryTimeout = 100 * time.Millisecond
	}
	groups := rsm.NewClient(retryTimeout)
	groups.GiveUpAfter(1)
	return &Clerk{nShards: nShards, ctrl: shardctrler.NewClerk(controllers, retryTimeout), groups: groups, retry: retryTimeout}
}

// Busy reports whether an operation is in progress.
func (ck *Clerk) Busy() bool { return ck.cur != nil }

// Config is the configuration the clerk routes by.
func (ck *Clerk) Config() shardctrler.Config { return ck.config }

// Get reads key; done gets its value ("" if never written).
func (ck *Clerk) Get(env node.Env, key string, done func(env node.Env, value string)) {
	ck.Do(env, Op{Kind: Get, Key: key}, done)
}

// Put sets key to value; done gets "".
func (ck *Clerk) Put(env node.Env, key, value string, done func(env node.Env, value string)) {
	ck.Do(env, Op{Kind: Put, Key: key, Value: value}, done)
}

// Append appends value to key's value.
func (ck *Clerk) Append(env node.Env, key, value string, done func(env node.Env, value string)) {
	ck.Do(env, Op{Kind: Append, Key: key, Value: value}, done)
}

// Do runs op; done is called in a later handler call, with the value read
// for a Get ("" for Put and Append).
func (ck *Clerk) Do(env node.Env, op Op, done func(env node.Env, value string)) {
	if ck.cur != nil {
		panic(fmt.Sprintf("shardkv: clerk asked to %s while an operation is in progress", op.Kind))
	}
	ck.cur = &clerkCall{op: op, done: done}
	if ck.config.Num == 0 {
		ck.refresh(env, false)
		return
	}
	ck.send(env)
}

// send sends the operation to the group the configuration names, or waits
// and asks the controller again if no group serves its shard.
func (ck *Clerk) send(env node.Env) {
	c := ck.cur
	gid := ck.config.Shards[Key2Shard(c.op.Key, ck.nShards)]
	servers := ck.config.Servers(gid)
	if len(servers) == 0 {
		env.SetTimer(ck.retry, clerkWait{})
		return
	}
	if c.sent {
		ck.groups.Again(env, servers, ck.answered)
		return
	}
	c.sent = true
	ck.groups.Call(env, servers, c.op, ck.answered)
}

func (ck *Clerk) answered(env node.Env, result any) {
	r, ok := result.(Result)
	if !ok || r.Err == ErrWrongGroup {
		ck.refresh(env, true) // no answer from the group, or not its shard
		return
	}
	c := ck.cur
	ck.cur = nil
	c.done(env, r.Value)
}

// refresh asks the controller for the latest configuration, then sends.
// With pause, a configuration no newer than the clerk's means the group
// it names is not ready (its shard still on the way): the clerk waits a
// retry timeout, then asks again, rather than spin.
func (ck *Clerk) refresh(env node.Env, pause bool) {
	ck.ctrl.Query(env, -1, func(env node.Env, cfg shardctrler.Config) {
		newer := cfg.Num > ck.config.Num
		if newer {
			ck.config = cfg
		}
		switch {
		case ck.cur == nil:
		case newer || !pause:
			ck.send(env)
		default:
			env.SetTimer(ck.retry, clerkWait{})
		}
	})
}

// Handle takes the clerk's events and reports whether the event was its.
func (ck *Clerk) Handle(env node.Env, ev node.Event) bool {
	if ck.groups.Handle(env, ev) || ck.ctrl.Handle(env, ev) {
		return true
	}
	if t, ok := ev.(*node.Timeout); ok {
		if _, ok := t.Tag.(clerkWait); ok {
			if ck.cur != nil {
				ck.refresh(env, false)
			}
			return true
		}
	}
	return false
}
