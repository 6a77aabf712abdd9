package kvsrvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
	"github.com/simlab-go/simlab/systems/kvsrv/lock"
)

// srvCluster is the server "srv" and clients c0, c1, … in one world, and
// the world's fault schedule.
type srvCluster struct {
	*harness.Faults
	c       *scenarios.Case
	w       *sim.World
	srv     node.ID
	clients []*srvClient
	nodes   *harness.Clients[*srvClerk] // the clients as nodes, and their history
	// holders is who holds each lock now, as the clients believe.
	holders map[string][]int
	doubled string // the first time a lock had two holders
	// counts of put outcomes of the scripts' own puts (put), and of every
	// ErrMaybe the clerks answered, the locks' puts included
	ok, maybe, stale int
	maybeAnswers     int
	release          func(cl *srvClient, name string, env node.Env, done func(node.Env)) // how clients release; a broken one in tests
}

// srvClient is a client node (a clerk and its locks) and a script run from
// its Start event.
type srvClient struct {
	*harness.Client[*srvClerk]
	sc     *srvCluster
	script func(env node.Env, cl *srvClient)
	done   bool
}

// srvClerk is an incarnation's clerk and the locks it took through it.
type srvClerk struct {
	*kvsrv.Clerk
	locks  map[string]*lock.Lock
	maybes *int // the cluster's count of ErrMaybe answers
}

func (ck *srvClerk) Handle(env node.Env, ev node.Event) bool {
	if ck.Clerk.Handle(maybeEnv{env, ck.maybes}, ev) {
		return true
	}
	for _, l := range ck.locks { // each takes only its own key's timers: the order does not matter
		if l.Handle(env, ev) {
			return true
		}
	}
	return false
}

// maybeEnv counts the ErrMaybe answers of the clerk it is handed to, which
// the clerk marks (kvsrv/put-answered-maybe) as it answers them, whoever
// made the put: a script or a lock.
type maybeEnv struct {
	node.Env
	n *int
}

func (e maybeEnv) Mark(m node.Mark) {
	if m.Info().Name == "kvsrv/put-answered-maybe" {
		*e.n++
	}
	e.Env.Mark(m)
}

func newSrvCluster(c *scenarios.Case, n int, script func(env node.Env, cl *srvClient)) *srvCluster {
	w, faults := harness.NewWorld(c, sim.Config{})
	sc := &srvCluster{Faults: faults, c: c, w: w, nodes: harness.NewClients[*srvClerk](w), holders: map[string][]int{}}
	sc.release = func(cl *srvClient, name string, env node.Env, done func(node.Env)) {
		cl.lockOf(name).Release(env, done)
	}
	sc.srv = sc.w.AddNode("srv", kvsrv.NewServer())
	for i := 0; i < n; i++ {
		cl := &srvClient{sc: sc, script: script}
		sc.clients = append(sc.clients, cl)
		newClerk := func() *srvClerk {
			return &srvClerk{Clerk: kvsrv.NewClerk(sc.srv, 0), locks: map[string]*lock.Lock{}, maybes: &sc.maybeAnswers}
		}
		cl.Client = sc.nodes.Add(newClerk, func(env node.Env) {
			if cl.script != nil {
				cl.script(env, cl)
			}
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

// get records and runs a Get.
func (cl *srvClient) get(env node.Env, key string, then func(env node.Env, value string, version uint64, err string)) {
	end := cl.Call(checker.KVInput{Op: checker.Get, Key: key})
	cl.Clerk.Get(env, key, func(env node.Env, value string, version uint64, err string) {
		end(checker.KVOutput{Value: value, Version: version, Err: err})
		then(env, value, version, err)
	})
}

// put records and runs a Put, counting its outcome.
func (cl *srvClient) put(env node.Env, key, value string, version uint64, then func(env node.Env, err string)) {
	end := cl.Call(checker.KVInput{Op: checker.Put, Key: key, Value: value, Version: version})
	cl.Clerk.Put(env, key, value, version, func(env node.Env, err string) {
		end(checker.KVOutput{Err: err})
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
	l := cl.Clerk.locks[name]
	if l == nil {
		l = lock.New(cl.Clerk.Clerk, name, cl.Name(), 0)
		cl.Clerk.locks[name] = l
	}
	return l
}

// acquire takes a lock and records the client as holding it.
func (cl *srvClient) acquire(env node.Env, name string, then func(env node.Env)) {
	cl.lockOf(name).Acquire(env, func(env node.Env) {
		sc := cl.sc
		if h := sc.holders[name]; len(h) > 0 && sc.doubled == "" {
			sc.doubled = fmt.Sprintf("lock %q held by c%d and c%d at once", name, h[0], cl.Index)
		}
		sc.holders[name] = append(sc.holders[name], cl.Index)
		then(env)
	})
}

// release frees a lock; the client stops counting as its holder first.
func (cl *srvClient) release(env node.Env, name string, then func(env node.Env)) {
	sc := cl.sc
	h := sc.holders[name]
	for i, x := range h {
		if x == cl.Index {
			sc.holders[name] = append(h[:i:i], h[i+1:]...)
			break
		}
	}
	sc.release(cl, name, env, then)
}

// waitDone runs until every client's script has finished, or fails.
func (sc *srvCluster) waitDone(limit time.Duration) {
	sc.c.Must(sc.RunUntil(func() bool {
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
	sc.c.CheckLinearizable("kvsrv", checker.VersionedKVModel, sc.nodes.History.Ops())
}
