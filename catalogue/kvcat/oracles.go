package kvcat

import (
	"fmt"
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
type kvStore interface {
	Keys() []string
	Peek(key string) string
}

// atMostOnce is the oracle of one run.
type atMostOnce struct {
	kc   *kvCluster
	once *checker.AtMostOnce
	err  error // a request the oracle could not tell apart from another
	// off: some client writes values that are not tokens (the put-only
	// workload's "0" and "1"), which the oracle cannot tell apart.
	off bool
}

// watchAtMostOnce starts the oracle with the first clients, and turns it
// off for good when clients whose values are not tokens join.
func (kc *kvCluster) watchAtMostOnce(load kvWorkload) {
	if kc.once != nil {
		kc.once.off = kc.once.off || load.putOnly
		return
	}
	a := &atMostOnce{kc: kc, once: checker.NewAtMostOnce(' '), off: load.putOnly}
	a.once.Names = func(r int) string { return kc.w.Name(node.ID(r)) }
	a.once.Clients = func(c uint64) string { return fmt.Sprintf("c%d", c) }
	kc.once = a
	kc.w.ObserveNodes("at most once", kc.servers, a.check)
}

// wrote records the write of client's request seq; reads and values that
// are not one token are not the oracle's.
func (a *atMostOnce) wrote(client, seq int, op kv.Op) {
	if a == nil || a.off || op.Kind == kv.Get || strings.IndexByte(op.Value, ' ') != len(op.Value)-1 || a.err != nil {
		return
	}
	a.err = a.once.Wrote(checker.RequestID{Client: uint64(client), Seq: uint64(seq)}, op.Key, op.Value)
}

func (a *atMostOnce) check() error {
	if a.err != nil || a.off {
		return a.err
	}
	for _, id := range a.kc.servers {
		if !a.kc.w.Up(id) {
			continue
		}
		s, ok := node.Unwrap(a.kc.w.Handler(id)).(kvStore)
		if !ok {
			continue
		}
		for _, k := range s.Keys() {
			if err := a.once.Check(int(id), k, s.Peek(k)); err != nil {
				return err
			}
		}
	}
	return nil
}
