package cluster

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	"github.com/simlab-go/simlab/live"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// Client is a kv client of a live cluster: a node of its own, with no
// address (the servers answer on the connections it opens), running a
// kv.Clerk.
type Client struct {
	ID    node.ID
	cfg   *Config
	node  *live.Node
	tr    *live.Transport
	dir   string
	clerk *clerkNode
	retry time.Duration
}

// clerkNode is the client's handler: the clerk takes every event, and a
// sharded store's controller clerk (for Join) those it leaves.
type clerkNode struct {
	ck   clerk
	ctrl *shardctrler.Clerk
}

func (h *clerkNode) Handle(env node.Env, ev node.Event) {
	if h.ck != nil && h.ck.Handle(env, ev) {
		return
	}
	if h.ctrl != nil {
		h.ctrl.Handle(env, ev)
	}
}

// clerk is a store's client side: kv's or shardkv's.
type clerk interface {
	Busy() bool
	Handle(env node.Env, ev node.Event) bool
	Do(env node.Env, op kv.Op, done func(env node.Env, value string))
}

type kvClerk struct{ *kv.Clerk }

type shardClerk struct{ *shardkv.Clerk }

func (c shardClerk) Do(env node.Env, op kv.Op, done func(env node.Env, value string)) {
	c.Clerk.Do(env, shardkv.Op{Kind: shardkv.Kind(op.Kind), Key: op.Key, Value: op.Value}, done)
}

func (c *Client) newClerk() clerk {
	if c.cfg.System == "shardkv" {
		return shardClerk{shardkv.NewClerk(c.cfg.controllers(), c.cfg.Shards, c.retry)}
	}
	return kvClerk{kv.NewClerk(c.cfg.Servers(), c.retry)}
}

// ErrTimeout says an operation got no answer in time: it may or may not
// have taken effect.
var ErrTimeout = errors.New("no answer in time: the operation may or may not have taken effect")

// ClientOptions configure a client.
type ClientOptions struct {
	// RetryTimeout is how long the clerk waits for a server before trying
	// the next; zero means 300 ms.
	RetryTimeout time.Duration
	Log          *log.Logger
}

// firstClientID is the lowest ID a client takes; servers are numbered
// from 0 in the cluster file's order.
const firstClientID = 1 << 20

// accepts says whether a connection from id may be made: a server of the
// file, or a client.
func (c *Config) accepts(id node.ID) bool {
	return id >= 0 && int(id) < len(c.Nodes) || id >= firstClientID
}

// NewClient starts a client of the cluster.
func NewClient(cfg *Config, o ClientOptions) (*Client, error) {
	if o.RetryTimeout <= 0 {
		o.RetryTimeout = 300 * time.Millisecond
	}
	var b [8]byte
	rand.Read(b[:])
	// Clients take IDs well above the servers', drawn at random so two
	// clients of one cluster do not collide.
	id := node.ID(firstClientID + binary.LittleEndian.Uint64(b[:])%(1<<40))
	dir, err := os.MkdirTemp("", "simlab-client-")
	if err != nil {
		return nil, err
	}
	c := &Client{ID: id, cfg: cfg, dir: dir, clerk: &clerkNode{}, retry: o.RetryTimeout}
	c.clerk.ck = c.newClerk()
	if cfg.System == "shardkv" {
		c.clerk.ctrl = shardctrler.NewClerk(cfg.controllers(), c.retry)
	}
	var deliver func(node.ID, any)
	c.tr, err = live.NewTransport(live.TransportConfig{Self: id, Name: cfg.Name(id), Peers: cfg.addrs(), Key: cfg.key, Log: o.Log,
		Deliver: func(from node.ID, msg any) { deliver(from, msg) }})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.node, err = live.StartNode(live.NodeConfig{ID: id, Name: cfg.Name(id), Dir: dir, Send: c.tr.Send, Log: o.Log},
		func() node.Handler { return c.clerk })
	if err != nil {
		c.tr.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	deliver = c.node.Deliver
	return c, nil
}

// Close stops the client.
func (c *Client) Close() {
	c.node.Stop()
	c.tr.Close()
	os.RemoveAll(c.dir)
}

// Do runs one operation and returns the value the server answered with
// (for Get, the value read). After ErrTimeout the client starts afresh,
// as a new client, so a late answer cannot be taken for a later
// operation's.
func (c *Client) Do(op kv.Op, timeout time.Duration) (string, error) {
	done := make(chan string, 1)
	var busy bool
	if !c.node.Invoke(func(env node.Env) {
		if busy = c.clerk.ck.Busy(); !busy {
			c.clerk.ck.Do(env, op, func(_ node.Env, v string) { done <- v })
		}
	}) {
		return "", errors.New("the client stopped")
	}
	if busy {
		return "", errors.New("the client is busy: one operation at a time")
	}
	select {
	case v := <-done:
		return v, nil
	case <-time.After(timeout):
		c.node.Invoke(func(node.Env) { c.clerk.ck = c.newClerk() })
		if r := c.tr.Refused(); r != nil {
			// No server let this client in: the operation reached none.
			return "", fmt.Errorf("%s %q: the servers refuse this client's connections, so the operation reached none of them: %v (check the cluster file's key)", op.Kind, op.Key, r)
		}
		return "", fmt.Errorf("%s %q: %w", op.Kind, op.Key, ErrTimeout)
	}
}

// Get reads key.
func (c *Client) Get(key string, timeout time.Duration) (string, error) {
	return c.Do(kv.Op{Kind: kv.Get, Key: key}, timeout)
}

// Put sets key to value.
func (c *Client) Put(key, value string, timeout time.Duration) error {
	_, err := c.Do(kv.Op{Kind: kv.Put, Key: key, Value: value}, timeout)
	return err
}

// Append appends value to key's value.
func (c *Client) Append(key, value string, timeout time.Duration) error {
	_, err := c.Do(kv.Op{Kind: kv.Append, Key: key, Value: value}, timeout)
	return err
}

func appendOp(key, value string) kv.Op { return kv.Op{Kind: kv.Append, Key: key, Value: value} }

// Join has the sharded store's controller add every group of the cluster
// file it does not know yet, and returns the configuration then, listing
// the groups it added. It is how a new sharded cluster gets its groups.
func (c *Client) Join(timeout time.Duration) (shardctrler.Config, []int, error) {
	if c.clerk.ctrl == nil {
		return shardctrler.Config{}, nil, fmt.Errorf("join is for a shardkv cluster; this one runs %s", c.cfg.System)
	}
	type answer struct {
		cfg   shardctrler.Config
		added []int
	}
	done := make(chan answer, 1)
	ok := c.node.Invoke(func(env node.Env) {
		if c.clerk.ctrl.Busy() {
			return
		}
		c.clerk.ctrl.Query(env, -1, func(env node.Env, latest shardctrler.Config) {
			var missing []shardctrler.Group
			var added []int
			for _, g := range c.cfg.Groups {
				if slices.Contains(latest.GIDs(), g.GID) {
					continue
				}
				var ids []node.ID
				for _, name := range g.Servers {
					id, _ := c.cfg.ID(name)
					ids = append(ids, id)
				}
				missing = append(missing, shardctrler.Group{GID: g.GID, Servers: ids})
				added = append(added, g.GID)
			}
			if len(missing) == 0 {
				done <- answer{latest, nil}
				return
			}
			c.clerk.ctrl.Join(env, missing, func(_ node.Env, cfg shardctrler.Config) { done <- answer{cfg, added} })
		})
	})
	if !ok {
		return shardctrler.Config{}, nil, errors.New("the client stopped")
	}
	select {
	case a := <-done:
		return a.cfg, a.added, nil
	case <-time.After(timeout):
		return shardctrler.Config{}, nil, fmt.Errorf("join: %w", ErrTimeout)
	}
}
