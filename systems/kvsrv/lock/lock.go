// Package lock is a distributed lock built only on kvsrv's versioned puts.
//
// The lock's key holds "" when the lock is free and the holder's id while
// it is held. Acquire reads the key and, finding it free (or never put),
// puts its id at the version it read; Release puts "" at the version it
// read while the key holds its id. A put that answers ErrMaybe (resent, then
// ErrVersion) may or may not have applied, so both read the key again and
// decide from what it holds: only the holder ever changes the key away from
// its id, so the key alone says whether the put went through.
package lock

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
)

// Lock is one named lock as one client holds it. Several Locks may share a
// Clerk, one call at a time: acquire them one after another.
type Lock struct {
	ck    *kvsrv.Clerk
	key   string
	id    string
	retry time.Duration
	wait  func(env node.Env) // what the retry timer resumes
}

type waitTick struct{ Key string }

// New returns the lock named name for the client id (unique among the
// lock's clients), over ck. retry is how long Acquire waits before reading
// a held lock again; 0 means 50 ms.
func New(ck *kvsrv.Clerk, name, id string, retry time.Duration) *Lock {
	if retry <= 0 {
		retry = 50 * time.Millisecond
	}
	return &Lock{ck: ck, key: "lock:" + name, id: id, retry: retry}
}

// Key is the store key the lock lives in.
func (l *Lock) Key() string { return l.key }

// Handle takes the lock's timer and reports whether the event was its.
func (l *Lock) Handle(env node.Env, ev node.Event) bool {
	t, ok := ev.(*node.Timeout)
	if !ok {
		return false
	}
	w, ok := t.Tag.(waitTick)
	if !ok || w.Key != l.key {
		return false
	}
	if next := l.wait; next != nil {
		l.wait = nil
		next(env)
	}
	return true
}

// Acquire takes the lock, waiting while another client holds it; done is
// called, inside a handler call, once this client holds it.
func (l *Lock) Acquire(env node.Env, done func(env node.Env)) {
	var read func(env node.Env)
	put := func(env node.Env, version uint64) {
		l.ck.Put(env, l.key, l.id, version, func(env node.Env, err string) {
			if err == kvsrv.OK {
				done(env)
				return
			}
			read(env) // ErrVersion, ErrNoKey, or ErrMaybe: the key tells
		})
	}
	read = func(env node.Env) {
		l.ck.Get(env, l.key, func(env node.Env, value string, version uint64, err string) {
			switch {
			case err == kvsrv.ErrNoKey:
				put(env, 0)
			case value == l.id:
				done(env) // a put that answered ErrMaybe had applied
			case value == "":
				put(env, version)
			default:
				l.wait = read
				env.SetTimer(l.retry, waitTick{Key: l.key})
			}
		})
	}
	read(env)
}

// Release frees the lock if this client holds it; done is called once the
// key no longer holds this client's id.
func (l *Lock) Release(env node.Env, done func(env node.Env)) {
	var read func(env node.Env)
	read = func(env node.Env) {
		l.ck.Get(env, l.key, func(env node.Env, value string, version uint64, err string) {
			if err != kvsrv.OK || value != l.id {
				done(env) // not held by this client (any more: an ErrMaybe release had applied)
				return
			}
			l.ck.Put(env, l.key, "", version, func(env node.Env, err string) {
				if err == kvsrv.OK {
					done(env)
					return
				}
				read(env) // ErrMaybe or ErrVersion: the key tells
			})
		})
	}
	read(env)
}
