package shardctrler

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
)

// Clerk is the controller's client side, a component a node embeds (a
// client, or a replica group's server polling for configurations),
// passing it its events with Handle. It runs one operation at a time.
type Clerk struct {
	servers []node.ID
	c       *rsm.Client
}

// NewClerk returns a clerk of the controller replicated on servers that
// waits retryTimeout for an answer before trying another server; zero
// means 100 ms.
func NewClerk(servers []node.ID, retryTimeout time.Duration) *Clerk {
	return &Clerk{servers: servers, c: rsm.NewClient(retryTimeout)}
}

// Busy reports whether an operation is in progress.
func (ck *Clerk) Busy() bool { return ck.c.Busy() }

// Handle takes the clerk's events and reports whether the event was its.
func (ck *Clerk) Handle(env node.Env, ev node.Event) bool { return ck.c.Handle(env, ev) }

// Query asks for configuration num (-1: the latest).
func (ck *Clerk) Query(env node.Env, num int, done func(env node.Env, cfg Config)) {
	ck.do(env, QueryOp{Num: num}, func(env node.Env, r Result) { done(env, r.Config) })
}

// QueryExact asks for configuration num only: done gets it and true, or
// false if it does not exist yet.
func (ck *Clerk) QueryExact(env node.Env, num int, done func(env node.Env, cfg Config, ok bool)) {
	ck.do(env, QueryOp{Num: num, Exact: true}, func(env node.Env, r Result) { done(env, r.Config, r.Err == "") })
}

// Join adds groups; done gets the configuration it made.
func (ck *Clerk) Join(env node.Env, groups []Group, done func(env node.Env, cfg Config)) {
	ck.do(env, JoinOp{Groups: groups}, func(env node.Env, r Result) { done(env, r.Config) })
}

// Leave removes groups; done gets the configuration it made.
func (ck *Clerk) Leave(env node.Env, gids []int, done func(env node.Env, cfg Config)) {
	ck.do(env, LeaveOp{GIDs: gids}, func(env node.Env, r Result) { done(env, r.Config) })
}

// Move hands shard to group gid; done gets the result (Err ErrNoGroup if
// either does not exist).
func (ck *Clerk) Move(env node.Env, shard, gid int, done func(env node.Env, r Result)) {
	ck.do(env, MoveOp{Shard: shard, GID: gid}, done)
}

// Do runs any of the operations (JoinOp, LeaveOp, MoveOp, QueryOp).
func (ck *Clerk) Do(env node.Env, op any, done func(env node.Env, r Result)) { ck.do(env, op, done) }

func (ck *Clerk) do(env node.Env, op any, done func(env node.Env, r Result)) {
	ck.c.Call(env, ck.servers, op, func(env node.Env, result any) { done(env, result.(Result)) })
}
