package kvsrvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
	"github.com/simlab-go/simlab/systems/kvsrv/lock"
)

// srvCluster is the server "srv" and clients c0, c1, … in one world.
type srvCluster struct {
	c       *scenarios.Case
	w       *sim.World
	srv     node.ID
	clients []*srvClient
	rec     *checker.Recorder
	applied bool
	// holders is who holds each lock now, as the clients believe.
	holders map[string][]int
	doubled string // the first time a lock had two holders
	// counts of put outcomes
	ok, maybe, stale int
	release          func(cl *srvClient, name string, env node.Env, done func(node.Env)) // how clients release; a broken one in tests
}

// srvClient is a client node: a clerk, its locks, and a script run from
// its Start event.
type srvClient struct {
	sc     *srvCluster
	index  int
	ck     *kvsrv.Clerk
	locks  map[string]*lock.Lock
	script func(env node.Env, cl *srvClient)
	done   bool
}

func (cl *srvClient) Handle(env node.Env, ev node.Event) {
	if cl.ck.Handle(env, ev) {
		return
	}
	for _, l := range cl.locks {
		if l.Handle(env, ev) {
			return
		}
	}
	if _, ok := ev.(*node.Start); ok && cl.script != nil {
		cl.script(env, cl)
	}
	if t, ok := ev.(*node.Timeout); ok {
		if f, ok := t.Tag.(later); ok {
			f.fn(env)
		}
	}
}

// later is a client's own timer: fn runs when it fires.
type later struct{ fn func(env node.Env) }

func (cl *srvClient) after(env node.Env, d time.Duration, fn func(env node.Env)) {
	env.SetTimer(d, later{fn})
}

func newSrvCluster(c *scenarios.Case, n int, script func(env node.Env, cl *srvClient)) *srvCluster {
	sc := &srvCluster{c: c, w: c.NewWorld(sim.Config{}), holders: map[string][]int{}}
	sc.release = func(cl *srvClient, name string, env node.Env, done func(node.Env)) {
		cl.lockOf(name).Release(env, done)
	}
	sc.rec = scenarios.NewRecorder(sc.w)
	sc.srv = sc.w.AddNode("srv", kvsrv.NewServer())
	for i := 0; i < n; i++ {
		cl := &srvClient{sc: sc, index: i, script: script, locks: map[string]*lock.Lock{}}
		sc.clients = append(sc.clients, cl)
		sc.w.AddNode(fmt.Sprintf("c%d", i), func() node.Handler {
			cl.ck = kvsrv.NewClerk(sc.srv, 0)
			cl.locks = map[string]*lock.Lock{}
			return cl
		})
	}
	sc.w.Observe("one holder per lock", func() error {
		if sc.doubled != "" {
			return fmt.Errorf("%s", sc.doubled)
		}
		return nil
	})
	return sc
}

// apply binds the world's schedule: s, or the one -faults gives.
func (sc *srvCluster) apply(s scenarios.Schedule) {
	if !sc.applied {
		sc.applied = true
		sc.c.Apply(sc.w, s)
	}
}

// get records and runs a Get.
func (cl *srvClient) get(env node.Env, key string, then func(env node.Env, value string, version uint64, err string)) {
	id := cl.sc.rec.Call(cl.index, checker.KVInput{Op: checker.Get, Key: key})
	cl.ck.Get(env, key, func(env node.Env, value string, version uint64, err string) {
		cl.sc.rec.Return(id, checker.KVOutput{Value: value, Version: version, Err: err})
		then(env, value, version, err)
	})
}

// put records and runs a Put, counting its outcome.
func (cl *srvClient) put(env node.Env, key, value string, version uint64, then func(env node.Env, err string)) {
	id := cl.sc.rec.Call(cl.index, checker.KVInput{Op: checker.Put, Key: key, Value: value, Version: version})
	cl.ck.Put(env, key, value, version, func(env node.Env, err string) {
		cl.sc.rec.Return(id, checker.KVOutput{Err: err})
		switch err {
		case kvsrv.OK:
			cl.sc.ok++
		case kvsrv.ErrMaybe:
			cl.sc.maybe++
		case kvsrv.ErrVersion:
			cl.sc.stale++
		}
		then(env, err)
	})
}

// lockOf is the client's lock of that name, made on first use.
func (cl *srvClient) lockOf(name string) *lock.Lock {
	l := cl.locks[name]
	if l == nil {
		l = lock.New(cl.ck, name, fmt.Sprintf("c%d", cl.index), 0)
		cl.locks[name] = l
	}
	return l
}

// acquire takes a lock and records the client as holding it.
func (cl *srvClient) acquire(env node.Env, name string, then func(env node.Env)) {
	cl.lockOf(name).Acquire(env, func(env node.Env) {
		sc := cl.sc
		if h := sc.holders[name]; len(h) > 0 && sc.doubled == "" {
			sc.doubled = fmt.Sprintf("lock %q held by c%d and c%d at once", name, h[0], cl.index)
		}
		sc.holders[name] = append(sc.holders[name], cl.index)
		then(env)
	})
}

// release frees a lock; the client stops counting as its holder first.
func (cl *srvClient) release(env node.Env, name string, then func(env node.Env)) {
	sc := cl.sc
	h := sc.holders[name]
	for i, x := range h {
		if x == cl.index {
			sc.holders[name] = append(h[:i:i], h[i+1:]...)
			break
		}
	}
	sc.release(cl, name, env, then)
}

// waitDone runs until every client's script has finished, or fails.
func (sc *srvCluster) waitDone(limit time.Duration) {
	sc.apply(nil)
	sc.c.Must(sc.w.RunUntil(func() bool {
		for _, cl := range sc.clients {
			if !cl.done {
				return false
			}
		}
		return true
	}, limit, "every client finishing its script"))
}

// server is the running server's handler.
func (sc *srvCluster) server() *kvsrv.Server {
	s, _ := sc.w.Handler(sc.srv).(*kvsrv.Server)
	return s
}

// checkHistory checks every operation against the versioned model.
func (sc *srvCluster) checkHistory() {
	sc.c.CheckLinearizable("kvsrv", checker.VersionedKVModel, sc.rec.Ops())
}
