// Package hashiraft is a small replicated key/value store built on
// github.com/hashicorp/raft, written the way an outside user of that
// library would write one. Its tests drive it with concurrent clients
// while nodes are partitioned, crashed and restarted, and check the
// recorded history for linearizability. Under simlab's wasm backend the
// whole run (raft's timers and randomness, the clients, the faults) is a
// function of the seed.
package hashiraft

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// Op names a command of the store.
type Op string

// The store's commands. Get goes through the log like the writes, so that
// a read is ordered with every write and sees the latest committed value.
const (
	OpPut    Op = "put"
	OpAppend Op = "append"
	OpGet    Op = "get"
)

// Command is one entry of the replicated log. Client and Seq identify the
// request, so that a retried request is applied at most once.
type Command struct {
	Op     Op     `json:"op"`
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Client uint64 `json:"client"`
	Seq    uint64 `json:"seq"`
}

// Result is what applying a command returns through the ApplyFuture.
type Result struct {
	// Value is the key's value after the command (the value read, for a Get).
	Value string
	// Index is the log index the command was applied at.
	Index uint64
}

// session remembers the last request applied for a client.
type session struct {
	Seq   uint64 `json:"seq"`
	Value string `json:"value"`
}

// fsmState is the whole replicated state, as a snapshot stores it.
type fsmState struct {
	Data     map[string]string  `json:"data"`
	Sessions map[uint64]session `json:"sessions"`
	Applied  uint64             `json:"applied"`
}

// FSM is the store's state machine: a map of strings, plus the last request
// of every client to drop duplicates.
type FSM struct {
	mu sync.Mutex
	st fsmState
}

// NewFSM returns an empty state machine.
func NewFSM() *FSM {
	return &FSM{st: fsmState{Data: map[string]string{}, Sessions: map[uint64]session{}}}
}

// Apply applies one committed command.
func (f *FSM) Apply(l *raft.Log) interface{} {
	var cmd Command
	if err := json.Unmarshal(l.Data, &cmd); err != nil {
		panic(fmt.Sprintf("hashiraft: bad log entry %d: %v", l.Index, err))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Applied = l.Index
	if s, ok := f.st.Sessions[cmd.Client]; ok && cmd.Seq <= s.Seq {
		// A retry of a request already applied, or an older request
		// overtaken by a newer one of the same client: answer with what
		// the last one got, change nothing.
		return Result{Value: s.Value, Index: l.Index}
	}
	switch cmd.Op {
	case OpPut:
		f.st.Data[cmd.Key] = cmd.Value
	case OpAppend:
		f.st.Data[cmd.Key] += cmd.Value
	case OpGet:
	default:
		panic(fmt.Sprintf("hashiraft: unknown op %q at index %d", cmd.Op, l.Index))
	}
	v := f.st.Data[cmd.Key]
	f.st.Sessions[cmd.Client] = session{Seq: cmd.Seq, Value: v}
	return Result{Value: v, Index: l.Index}
}

// Snapshot captures a copy of the state; raft persists it later while
// Apply goes on.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &fsmSnapshot{st: f.st.clone()}, nil
}

// Restore replaces the state with a snapshot's.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var st fsmState
	if err := json.NewDecoder(rc).Decode(&st); err != nil {
		return fmt.Errorf("hashiraft: restore: %w", err)
	}
	if st.Data == nil {
		st.Data = map[string]string{}
	}
	if st.Sessions == nil {
		st.Sessions = map[uint64]session{}
	}
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
	return nil
}

// Lookup reads a key from this replica's local state, whatever this
// replica's role: it may be stale. Linearizable reads use Client.Get.
func (f *FSM) Lookup(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.Data[key]
}

// Data returns a copy of the replica's map and the index of the last
// command it applied.
func (f *FSM) Data() (map[string]string, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.clone().Data, f.st.Applied
}

func (s fsmState) clone() fsmState {
	c := fsmState{Data: make(map[string]string, len(s.Data)), Sessions: make(map[uint64]session, len(s.Sessions)), Applied: s.Applied}
	for k, v := range s.Data {
		c.Data[k] = v
	}
	for k, v := range s.Sessions {
		c.Sessions[k] = v
	}
	return c
}

type fsmSnapshot struct{ st fsmState }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s.st); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}

// Options configure a Cluster. Zero fields take the defaults below.
type Options struct {
	// Nodes is the number of voters (3 when zero).
	Nodes int
	// HeartbeatTimeout, ElectionTimeout and LeaderLeaseTimeout are raft's
	// (100ms, 100ms and 50ms when zero).
	HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout time.Duration
	// CommitTimeout is raft's (5ms when zero).
	CommitTimeout time.Duration
	// SnapshotThreshold and TrailingLogs are raft's (64 and 32 when zero):
	// small, so that snapshots are taken and installed during a test.
	SnapshotThreshold, TrailingLogs uint64
	// SnapshotInterval is how often raft checks whether to snapshot
	// (250ms when zero).
	SnapshotInterval time.Duration
	// RPCTimeout bounds an RPC over the in-memory transport to a peer that
	// does not take it (200ms when zero).
	RPCTimeout time.Duration
	// Latency, when set, delays every RPC by a random time between
	// Latency/2 and Latency on its way to the peer, and again on its way
	// back, as a network would. Zero means none: a message arrives as soon
	// as the peer takes it.
	Latency time.Duration
	// LogOutput receives raft's log lines; nil discards them.
	LogOutput io.Writer
	// LogLevel is the level of those lines (hclog.Warn when zero).
	LogLevel hclog.Level
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	def(&o.HeartbeatTimeout, 100*time.Millisecond)
	def(&o.ElectionTimeout, 100*time.Millisecond)
	def(&o.LeaderLeaseTimeout, 50*time.Millisecond)
	def(&o.CommitTimeout, 5*time.Millisecond)
	def(&o.SnapshotInterval, 250*time.Millisecond)
	def(&o.RPCTimeout, 200*time.Millisecond)
	if o.SnapshotThreshold == 0 {
		o.SnapshotThreshold = 64
	}
	if o.TrailingLogs == 0 {
		o.TrailingLogs = 32
	}
	if o.LogOutput == nil {
		o.LogOutput = io.Discard
	}
	if o.LogLevel == hclog.NoLevel {
		o.LogLevel = hclog.Warn
	}
	return o
}

// Node is one server of a Cluster. Its stores outlive its crashes.
type Node struct {
	ID   raft.ServerID
	Addr raft.ServerAddress

	store *raft.InmemStore // log store and stable store
	snaps *raft.InmemSnapshotStore

	// The running incarnation; nil fields while the node is down.
	raft  *raft.Raft
	trans *raft.InmemTransport
	fsm   *FSM
}

// Cluster is a set of raft nodes talking over in-memory transports, with
// faults injected by crashing nodes and cutting links.
type Cluster struct {
	opts Options

	mu    sync.Mutex
	nodes []*Node
	side  []int // the partition side of each node; nodes talk only within a side
}

// NewCluster builds, bootstraps and starts a cluster. Call Shutdown when done.
func NewCluster(opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	c := &Cluster{opts: opts, side: make([]int, opts.Nodes)}
	var servers []raft.Server
	for i := 0; i < opts.Nodes; i++ {
		n := &Node{
			ID:    raft.ServerID(fmt.Sprintf("n%d", i)),
			Addr:  raft.ServerAddress(fmt.Sprintf("node%d", i)),
			store: raft.NewInmemStore(),
			snaps: raft.NewInmemSnapshotStore(),
		}
		c.nodes = append(c.nodes, n)
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: n.ID, Address: n.Addr})
	}
	conf := raft.Configuration{Servers: servers}
	for i, n := range c.nodes {
		_, trans := raft.NewInmemTransportWithTimeout(n.Addr, opts.RPCTimeout)
		if err := raft.BootstrapCluster(c.config(i), n.store, n.store, n.snaps, trans, conf); err != nil {
			return nil, fmt.Errorf("bootstrap %s: %w", n.ID, err)
		}
		trans.Close()
	}
	for i := range c.nodes {
		if err := c.start(i); err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	return c, nil
}

// config is node i's raft configuration.
func (c *Cluster) config(i int) *raft.Config {
	o := c.opts
	conf := raft.DefaultConfig()
	conf.LocalID = c.nodes[i].ID
	conf.HeartbeatTimeout = o.HeartbeatTimeout
	conf.ElectionTimeout = o.ElectionTimeout
	conf.LeaderLeaseTimeout = o.LeaderLeaseTimeout
	conf.CommitTimeout = o.CommitTimeout
	conf.SnapshotInterval = o.SnapshotInterval
	conf.SnapshotThreshold = o.SnapshotThreshold
	conf.TrailingLogs = o.TrailingLogs
	conf.Logger = hclog.New(&hclog.LoggerOptions{
		Name:   string(conf.LocalID),
		Output: o.LogOutput,
		Level:  o.LogLevel,
	})
	return conf
}

// start runs a new incarnation of node i over its stores. The caller holds
// c.mu, or is NewCluster.
func (c *Cluster) start(i int) error {
	n := c.nodes[i]
	_, trans := raft.NewInmemTransportWithTimeout(n.Addr, c.opts.RPCTimeout)
	fsm := NewFSM()
	var t raft.Transport = trans
	if c.opts.Latency > 0 {
		t = &slowTransport{InmemTransport: trans, latency: c.opts.Latency}
	}
	r, err := raft.NewRaft(c.config(i), fsm, n.store, n.store, n.snaps, t)
	if err != nil {
		return fmt.Errorf("start %s: %w", n.ID, err)
	}
	n.raft, n.trans, n.fsm = r, trans, fsm
	c.rewire()
	return nil
}

// rewire makes the transports' routes match who is up and the partition:
// two running nodes reach each other iff they are on the same side.
func (c *Cluster) rewire() {
	for i, a := range c.nodes {
		if a.trans == nil {
			continue
		}
		for j, b := range c.nodes {
			if i == j {
				continue
			}
			if b.trans != nil && c.side[i] == c.side[j] {
				a.trans.Connect(b.Addr, b.trans)
			} else {
				a.trans.Disconnect(b.Addr)
			}
		}
	}
}

// slowTransport is an InmemTransport whose RPCs take time. It does not
// pipeline AppendEntries, so that each one waits its turn like the others.
type slowTransport struct {
	*raft.InmemTransport
	latency time.Duration
}

func (t *slowTransport) delay() {
	half := int64(t.latency / 2)
	time.Sleep(time.Duration(half + rand.Int63n(half+1)))
}

func (t *slowTransport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (t *slowTransport) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	t.delay()
	defer t.delay()
	return t.InmemTransport.AppendEntries(id, target, args, resp)
}

func (t *slowTransport) RequestVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	t.delay()
	defer t.delay()
	return t.InmemTransport.RequestVote(id, target, args, resp)
}

func (t *slowTransport) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	t.delay()
	defer t.delay()
	return t.InmemTransport.RequestPreVote(id, target, args, resp)
}

func (t *slowTransport) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	t.delay()
	defer t.delay()
	return t.InmemTransport.InstallSnapshot(id, target, args, resp, data)
}

func (t *slowTransport) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	t.delay()
	defer t.delay()
	return t.InmemTransport.TimeoutNow(id, target, args, resp)
}

// N is the number of nodes.
func (c *Cluster) N() int { return len(c.nodes) }

// Raft returns node i's running raft, or nil while it is down.
func (c *Cluster) Raft(i int) *raft.Raft {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].raft
}

// FSM returns node i's running state machine, or nil while it is down.
func (c *Cluster) FSM(i int) *FSM {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].fsm
}

// Up reports whether node i is running.
func (c *Cluster) Up(i int) bool { return c.Raft(i) != nil }

// IndexOf returns the index of the node with the given ID, or -1.
func (c *Cluster) IndexOf(id raft.ServerID) int {
	for i, n := range c.nodes {
		if n.ID == id {
			return i
		}
	}
	return -1
}

// Crash stops node i abruptly as far as its peers can tell: its links are
// cut, then raft is shut down. Its log, stable and snapshot stores are kept
// for Restart. Crashing a node that is down does nothing.
func (c *Cluster) Crash(i int) error {
	c.mu.Lock()
	n := c.nodes[i]
	r, trans := n.raft, n.trans
	if r == nil {
		c.mu.Unlock()
		return nil
	}
	n.raft, n.trans, n.fsm = nil, nil, nil
	c.rewire()
	trans.Close()
	c.mu.Unlock()
	return r.Shutdown().Error()
}

// Restart starts node i again over the stores it had, with a fresh state
// machine (raft restores it from the latest snapshot and replays the log)
// and a new transport registered with its running peers. Restarting a node
// that is up does nothing.
func (c *Cluster) Restart(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes[i].raft != nil {
		return nil
	}
	return c.start(i)
}

// Partition cuts the nodes in set off from the others, both ways. Nodes
// within set still talk to each other, as do the others. It replaces any
// earlier partition.
func (c *Cluster) Partition(set []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.side {
		c.side[i] = 0
	}
	for _, i := range set {
		c.side[i] = 1
	}
	c.rewire()
}

// Heal removes any partition.
func (c *Cluster) Heal() { c.Partition(nil) }

// Leader returns the index of a running node that believes it is the
// leader, or -1. During a partition two nodes may believe so; the one of
// the highest term is returned.
func (c *Cluster) Leader() int {
	best, bestTerm := -1, uint64(0)
	for i := range c.nodes {
		r := c.Raft(i)
		if r == nil || r.State() != raft.Leader {
			continue
		}
		term := termOf(r)
		if best < 0 || term > bestTerm {
			best, bestTerm = i, term
		}
	}
	return best
}

func termOf(r *raft.Raft) uint64 {
	var t uint64
	fmt.Sscan(r.Stats()["term"], &t)
	return t
}

// WaitLeader waits until some node is leader and returns it.
func (c *Cluster) WaitLeader(timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		if l := c.Leader(); l >= 0 {
			return l, nil
		}
		if time.Now().After(deadline) {
			return -1, errors.New("hashiraft: no leader elected in " + timeout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// HealAndRestart heals any partition, restarts every node that is down,
// and waits until a leader has committed a barrier and every node's state
// machine has applied all that the leader's has.
func (c *Cluster) HealAndRestart(timeout time.Duration) error {
	c.Heal()
	for i := range c.nodes {
		if err := c.Restart(i); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		l, err := c.WaitLeader(time.Until(deadline))
		if err != nil {
			return err
		}
		if err := c.Raft(l).Barrier(time.Until(deadline)).Error(); err == nil {
			_, want := c.FSM(l).Data()
			if c.waitApplied(want, deadline) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hashiraft: cluster did not settle in %v: %s", timeout, c.describe())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describe says what each node is doing, for a failure message: its role,
// term and log as raft reports them, and what its state machine applied.
func (c *Cluster) describe() string {
	var parts []string
	for i := range c.nodes {
		r, f := c.Raft(i), c.FSM(i)
		if r == nil {
			parts = append(parts, fmt.Sprintf("n%d down", i))
			continue
		}
		st := r.Stats()
		_, applied := f.Data()
		parts = append(parts, fmt.Sprintf("n%d %s term %s last %s commit %s applied %s (state machine %d)",
			i, st["state"], st["term"], st["last_log_index"], st["commit_index"], st["applied_index"], applied))
	}
	return strings.Join(parts, "; ")
}

func (c *Cluster) waitApplied(index uint64, deadline time.Time) bool {
	for {
		done := true
		for i := range c.nodes {
			f := c.FSM(i)
			if f == nil {
				return false
			}
			if _, applied := f.Data(); applied < index {
				done = false
			}
		}
		if done {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CheckConverged returns an error unless every running node's state machine
// holds the same map.
func (c *Cluster) CheckConverged() error {
	var first map[string]string
	var firstID raft.ServerID
	for i, n := range c.nodes {
		f := c.FSM(i)
		if f == nil {
			continue
		}
		data, _ := f.Data()
		if first == nil {
			first, firstID = data, n.ID
			continue
		}
		if d := diffMaps(first, data); d != "" {
			return fmt.Errorf("hashiraft: replicas %s and %s differ: %s", firstID, n.ID, d)
		}
	}
	return nil
}

func diffMaps(a, b map[string]string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		va, oka := a[k]
		vb, okb := b[k]
		if va != vb || oka != okb {
			return fmt.Sprintf("key %q: %q vs %q", k, va, vb)
		}
	}
	return ""
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Crash(i)
	}
}

// ErrUnknown says a request was given up on: it may or may not have taken
// effect, now or later.
var ErrUnknown = errors.New("hashiraft: request outcome unknown")

// Client submits requests to whichever node is leader, retrying on other
// nodes until one commits it or the request's time runs out. A Client is
// used by one goroutine at a time.
type Client struct {
	c      *Cluster
	id     uint64
	seq    uint64
	leader int // the node the client talks to

	// Timeout bounds one request, retries included (2s when zero).
	Timeout time.Duration
	// AttemptTimeout bounds one try at one node (500ms when zero).
	AttemptTimeout time.Duration
	// Backoff is the pause before a retry (10ms when zero).
	Backoff time.Duration
}

// NewClient returns a client with the given id, which must be unique in
// the cluster's life.
func (c *Cluster) NewClient(id uint64) *Client {
	return &Client{c: c, id: id, leader: rand.Intn(c.N())}
}

// Node returns the index of the node the client currently talks to.
func (cl *Client) Node() int { return cl.leader }

// Put sets key to value.
func (cl *Client) Put(key, value string) error {
	_, err := cl.Do(OpPut, key, value)
	return err
}

// Append appends value to key's value.
func (cl *Client) Append(key, value string) error {
	_, err := cl.Do(OpAppend, key, value)
	return err
}

// Get reads key through the log: the read is ordered after every write
// committed before it was sent.
func (cl *Client) Get(key string) (string, error) {
	res, err := cl.Do(OpGet, key, "")
	return res.Value, err
}

// Do submits one command and returns its result. Its error is ErrUnknown
// when the command may or may not have been applied.
func (cl *Client) Do(op Op, key, value string) (Result, error) {
	cl.seq++
	data, err := json.Marshal(Command{Op: op, Key: key, Value: value, Client: cl.id, Seq: cl.seq})
	if err != nil {
		return Result{}, err
	}
	timeout, attempt, backoff := cl.Timeout, cl.AttemptTimeout, cl.Backoff
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	if attempt == 0 {
		attempt = 500 * time.Millisecond
	}
	if backoff == 0 {
		backoff = 10 * time.Millisecond
	}
	deadline := time.Now().Add(timeout)
	for {
		res, err := cl.try(data, attempt)
		if err == nil {
			return res, nil
		}
		if time.Now().Add(backoff).After(deadline) {
			return Result{}, ErrUnknown
		}
		time.Sleep(backoff)
	}
}

// try submits data once, to the node the client talks to, and moves the
// client to another node when that one cannot commit it.
func (cl *Client) try(data []byte, timeout time.Duration) (Result, error) {
	r := cl.c.Raft(cl.leader)
	if r == nil {
		cl.leader = rand.Intn(cl.c.N())
		return Result{}, raft.ErrRaftShutdown
	}
	f := r.Apply(data, timeout)
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err == nil {
			return f.Response().(Result), nil
		}
		if _, id := r.LeaderWithID(); err == raft.ErrNotLeader && id != "" {
			cl.leader = cl.c.IndexOf(id)
		} else {
			cl.leader = rand.Intn(cl.c.N())
		}
		return Result{}, err
	case <-timer.C:
		cl.leader = rand.Intn(cl.c.N())
		return Result{}, errors.New("hashiraft: attempt timed out")
	}
}
