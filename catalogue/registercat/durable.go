package registercat

import (
	"fmt"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/register"
)

// What a replica told a client must survive its crash (checker.Durable):
// a QueryResp reveals the replica's tag, a StoreAck that its tag reached
// the tag of the store it answers. The harness notes the stores each
// client sends, records what a reply reveals as it reaches the client, and
// checks the replica's tag when it has restarted and whenever a reply
// reaches a client from a replica that is up (for the incarnation that
// sent it this holds, for an earlier one it is the durability asked).

// tagged is a replica as the check reads it: register.Replica, or a
// broken variant with the same view.
type tagged interface{ Tag() register.Tag }

// durableTags is the check of one run.
type durableTags struct {
	rc     *registerCluster
	tags   *checker.Durable[register.Tag]
	stores map[storeKey]register.Tag // the tag of each store a client sent
	// started are the replicas that started since the last observation,
	// for observe to check: looking at every replica after every event
	// cost the register's sweeps a fifth of their speed.
	started []*replicaHost
	err     error
}

type storeKey struct {
	client, replica node.ID
	op              uint64
}

func newDurableTags(rc *registerCluster) *durableTags {
	return &durableTags{rc: rc, stores: map[storeKey]register.Tag{},
		tags: checker.NewDurable("tag", register.Tag.Less, register.Tag.String)}
}

// replicaHost is a replica's handler, noting when it has started (its
// state recovered) so that the check reads it only then.
type replicaHost struct {
	h       node.Handler
	d       *durableTags
	id      node.ID
	started bool
}

// Unwrap is the replica inside, for node.Unwrap.
func (h *replicaHost) Unwrap() node.Handler { return h.h }

func (h *replicaHost) Handle(env node.Env, ev node.Event) {
	h.h.Handle(env, ev)
	if _, ok := ev.(*node.Start); ok {
		h.started, h.id = true, env.Self()
		h.d.started = append(h.d.started, h)
	}
}

// clientHost is a client's handler: it notes the stores it sends and what
// replies reveal as they reach it.
type clientHost struct {
	h node.Handler
	d *durableTags
}

// Unwrap is the client inside, for node.Unwrap.
func (h *clientHost) Unwrap() node.Handler { return h.h }

func (h *clientHost) Handle(env node.Env, ev node.Event) {
	if r, ok := ev.(*node.Recv); ok {
		h.d.delivered(env.Self(), r.From, r.Msg)
	}
	h.h.Handle(clientEnv{env, h.d}, ev)
}

type clientEnv struct {
	node.Env
	d *durableTags
}

func (e clientEnv) Send(to node.ID, msg any) {
	if m, ok := msg.(register.StoreReq); ok {
		e.d.stores[storeKey{e.Self(), to, m.Op}] = m.Tag
	}
	e.Env.Send(to, msg)
}

func (d *durableTags) delivered(client, from node.ID, msg any) {
	switch m := msg.(type) {
	case register.QueryResp:
		d.tags.Revealed(int(from), m.Tag)
	case register.StoreAck:
		t, ok := d.stores[storeKey{client, from, m.Op}]
		if !ok {
			return
		}
		d.tags.Revealed(int(from), t)
	default:
		return
	}
	if r, ok := d.replica(from); ok {
		d.fail(from, d.tags.Check(int(from), r.Tag()))
	}
}

// replica is the replica running at id, once it has started.
func (d *durableTags) replica(id node.ID) (tagged, bool) {
	if !d.rc.w.Up(id) {
		return nil, false
	}
	h, ok := d.rc.w.Handler(id).(*replicaHost)
	if !ok || !h.started {
		return nil, false
	}
	r, ok := node.Unwrap(h).(tagged)
	return r, ok
}

// observe checks each replica once, after the event in which it started
// (recovering its state).
func (d *durableTags) observe() error {
	for _, h := range d.started {
		if d.rc.w.Handler(h.id) != h || !d.rc.w.Up(h.id) {
			continue
		}
		if r, ok := node.Unwrap(h).(tagged); ok {
			d.fail(h.id, d.tags.Check(int(h.id), r.Tag()))
		}
	}
	d.started = d.started[:0]
	return d.err
}

func (d *durableTags) fail(id node.ID, err error) {
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%s: %w", d.rc.w.Name(id), err)
	}
}
