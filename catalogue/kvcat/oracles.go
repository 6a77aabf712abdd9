package kvcat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
)

// At most once, on every event (checker.AtMostOnce). A client of the mixed
// or the append workload writes values of its own ("c3.17 "): one token
// ending in a space. A request applied twice leaves its token twice in
// some server's value of the key, whichever server applied it, and
// whether or not a later Put hides it from every read and from the final
// value. The oracle records each request as the client hands it to its
// clerk (a retry is the same request) and checks every running server's
// value of every key after each event at a server and each world action.

// kvStore is a server as the oracle reads it: kv.Server, under any
// wrapper with an Unwrap method.
type kvStore interface{ Peek(key string) string }

// atMostOnce is the oracle of one run.
type atMostOnce struct {
	kc   *kvCluster
	once *checker.AtMostOnce
	keys []string // the keys the clients write, in the order first seen
	err  error    // a request the oracle could not tell apart from another
	// off: some client writes values that are not tokens (the put-only
	// workload's "0" and "1"), which the oracle cannot tell apart.
	off bool
}

// watchAtMostOnce starts the oracle with the first clients, and turns it
// off for good when clients whose values are not tokens join. A server's
// values change only in its own events (and world actions, its restart
// among them), so each server is checked after those alone.
func (kc *kvCluster) watchAtMostOnce(load kvWorkload) {
	if kc.once == nil {
		a := &atMostOnce{kc: kc, once: checker.NewAtMostOnce(' ')}
		a.once.Names = func(r int) string { return kc.w.Name(node.ID(r)) }
		a.once.Clients = func(c uint64) string { return fmt.Sprintf("c%d", c) }
		kc.once = a
		for _, id := range kc.servers {
			kc.w.ObserveNodes("at most once", []node.ID{id}, func() error { return a.check(id) })
		}
	}
	a := kc.once
	a.off = a.off || load.putOnly
	for _, k := range load.keys {
		if !slices.Contains(a.keys, k) {
			a.keys = append(a.keys, k)
		}
	}
}

// wrote records the write of client's request seq; reads and values that
// are not one token are not the oracle's.
func (a *atMostOnce) wrote(client, seq int, op kv.Op) {
	if a == nil || a.off || op.Kind == kv.Get || strings.IndexByte(op.Value, ' ') != len(op.Value)-1 || a.err != nil {
		return
	}
	a.err = a.once.Wrote(checker.RequestID{Client: uint64(client), Seq: uint64(seq)}, op.Key, op.Value)
}

// check reads server id's value of every key the clients write.
func (a *atMostOnce) check(id node.ID) error {
	if a.err != nil || a.off || !a.kc.w.Up(id) {
		return a.err
	}
	s, ok := node.Unwrap(a.kc.w.Handler(id)).(kvStore)
	if !ok {
		return nil
	}
	for _, k := range a.keys {
		if err := a.once.Check(int(id), k, s.Peek(k)); err != nil {
			return err
		}
	}
	return nil
}
