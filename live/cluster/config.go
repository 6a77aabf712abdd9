package cluster

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/simlab-go/simlab/live"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/raft"
)

// Config is a cluster file:
//
//	{
//	  "system": "kv",
//	  "nodes": [
//	    {"name": "s0", "addr": "127.0.0.1:7100"},
//	    {"name": "s1", "addr": "127.0.0.1:7101"},
//	    {"name": "s2", "addr": "127.0.0.1:7102"}
//	  ]
//	}
//
// Nodes get IDs in the order listed. Every node and client of a cluster
// reads the same file. A sharded store names its controller's servers and
// its replica groups among the nodes:
//
//	"system": "shardkv",
//	"controllers": ["c0", "c1", "c2"],
//	"groups": [{"gid": 100, "servers": ["a0", "a1", "a2"]},
//	           {"gid": 200, "servers": ["b0", "b1", "b2"]}]
type Config struct {
	// System is what the servers run: "kv" (the key/value store on
	// Raft) or "shardkv" (the sharded store on its controller).
	System string `json:"system"`
	// Nodes are the servers.
	Nodes []NodeAddr `json:"nodes"`
	// Controllers and Groups, for shardkv: the controller's servers and
	// each replica group's, by name. Every node is in exactly one.
	Controllers []string      `json:"controllers,omitempty"`
	Groups      []GroupConfig `json:"groups,omitempty"`
	// Shards is shardkv's shard count; zero means the controller's
	// default.
	Shards int `json:"shards,omitempty"`
	// Key is the cluster key, hex-encoded (simlab-node keygen makes one).
	// It is required when any node listens off loopback.
	Key string `json:"key,omitempty"`
	// ElectionTimeoutMin and HeartbeatInterval tune Raft ("300ms",
	// "100ms" when empty).
	ElectionTimeoutMin string `json:"electionTimeoutMin,omitempty"`
	HeartbeatInterval  string `json:"heartbeatInterval,omitempty"`
	// MaxRaftState makes servers snapshot when Raft's state reaches this
	// many bytes; 0 means 1 MiB, -1 never.
	MaxRaftState int `json:"maxRaftState,omitempty"`

	key                    []byte
	electionMin, heartbeat time.Duration
	// Each node's (by ID) Raft group and, for shardkv, its group id (0:
	// a controller).
	peers [][]node.ID
	gid   []int
}

// GroupConfig is one replica group of a sharded store.
type GroupConfig struct {
	GID     int      `json:"gid"`
	Servers []string `json:"servers"`
}

// NodeAddr is one server: its name and the address it listens on.
type NodeAddr struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// validName is what a node's name may be: it names the node's data
// directory too, so nothing that walks out of data/.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// badAddr says what is wrong with a listen address, or "".
func badAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "want HOST:PORT, such as 127.0.0.1:7100"
	}
	if host == "" {
		return "no host: give the address to listen on, such as 127.0.0.1:7100 or 10.0.0.5:7100"
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Sprintf("port %q is not a number from 1 to 65535", port)
	}
	return ""
}

// Systems lists the systems a cluster can run.
var Systems = []string{"kv", "shardkv"}

// LoadConfig reads and checks a cluster file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster file: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses and checks a cluster file's contents.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelled field would silently mean its default
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("cluster file: %w (the fields are system, nodes (name, addr), controllers, groups (gid, servers), shards, key, electionTimeoutMin, heartbeatInterval, maxRaftState)", err)
	}
	if dec.More() {
		return nil, errors.New("cluster file: more than one JSON value: a cluster file is one object")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) check() error {
	if !slices.Contains(Systems, c.System) {
		return fmt.Errorf("cluster file: system %q is not one of %q", c.System, Systems)
	}
	if len(c.Nodes) == 0 {
		return errors.New(`cluster file: no nodes: list the servers as "nodes": [{"name": "s0", "addr": "127.0.0.1:7100"}, ...]`)
	}
	if c.Key != "" {
		k, err := hex.DecodeString(c.Key)
		if err != nil || len(k) < 16 {
			return errors.New("cluster file: key must be at least 16 bytes, hex-encoded (simlab-node keygen makes one)")
		}
		c.key = k
	}
	names, addrs := map[string]bool{}, map[string]bool{}
	for i, n := range c.Nodes {
		switch {
		case n.Name == "":
			return fmt.Errorf("cluster file: node %d has no name", i)
		case !validName.MatchString(n.Name):
			return fmt.Errorf("cluster file: node name %q: use letters, digits, '-' and '_' (starting with a letter or digit), since the name is also its data directory's", n.Name)
		case names[n.Name]:
			return fmt.Errorf("cluster file: two nodes are named %s", n.Name)
		case n.Addr == "":
			return fmt.Errorf("cluster file: node %s has no addr", n.Name)
		case addrs[n.Addr]:
			return fmt.Errorf("cluster file: nodes share the address %s", n.Addr)
		case badAddr(n.Addr) != "":
			return fmt.Errorf("cluster file: node %s: addr %q: %s", n.Name, n.Addr, badAddr(n.Addr))
		case !live.IsLoopback(n.Addr) && c.key == nil:
			return fmt.Errorf("cluster file: node %s listens on %s, off loopback, and the cluster has no key: add \"key\" (simlab-node keygen makes one)", n.Name, n.Addr)
		}
		names[n.Name], addrs[n.Addr] = true, true
	}
	if err := c.roles(); err != nil {
		return err
	}
	var err error
	if c.electionMin, err = duration(c.ElectionTimeoutMin, 300*time.Millisecond); err != nil {
		return fmt.Errorf("cluster file: electionTimeoutMin: %w", err)
	}
	if c.heartbeat, err = duration(c.HeartbeatInterval, 100*time.Millisecond); err != nil {
		return fmt.Errorf("cluster file: heartbeatInterval: %w", err)
	}
	if err := c.raftConfig(c.peers[0]).Validate(); err != nil {
		return fmt.Errorf("cluster file: %w", err)
	}
	return nil
}

// roles works out each node's Raft group (and shardkv group).
func (c *Config) roles() error {
	n := len(c.Nodes)
	c.peers, c.gid = make([][]node.ID, n), make([]int, n)
	if c.System == "kv" {
		if len(c.Controllers) > 0 || len(c.Groups) > 0 {
			return errors.New("cluster file: controllers and groups are for system shardkv; kv's nodes are one group")
		}
		for i := range c.peers {
			c.peers[i] = c.Servers()
		}
		return nil
	}
	if len(c.Controllers) == 0 || len(c.Groups) == 0 {
		return errors.New(`cluster file: shardkv needs "controllers" (names of the controller's servers) and "groups" ([{"gid": 100, "servers": [...]}])`)
	}
	placed := make([]bool, n)
	place := func(names []string, gid int, what string) error {
		var ids []node.ID
		for _, name := range names {
			id, err := c.ID(name)
			if err != nil {
				return fmt.Errorf("cluster file: %s: %w", what, err)
			}
			if placed[id] {
				return fmt.Errorf("cluster file: node %s is in two groups", name)
			}
			placed[id] = true
			ids = append(ids, id)
		}
		for _, id := range ids {
			c.peers[id], c.gid[id] = ids, gid
		}
		return nil
	}
	if err := place(c.Controllers, 0, "controllers"); err != nil {
		return err
	}
	gids := map[int]bool{}
	for _, g := range c.Groups {
		if g.GID <= 0 || gids[g.GID] {
			return fmt.Errorf("cluster file: group ids must be positive and distinct (%d)", g.GID)
		}
		gids[g.GID] = true
		if len(g.Servers) == 0 {
			return fmt.Errorf("cluster file: group %d has no servers", g.GID)
		}
		if err := place(g.Servers, g.GID, fmt.Sprintf("group %d", g.GID)); err != nil {
			return err
		}
	}
	for i, ok := range placed {
		if !ok {
			return fmt.Errorf("cluster file: node %s is in no group: list it under controllers or a group", c.Nodes[i].Name)
		}
	}
	return nil
}

// controllers are the controller's servers' IDs (shardkv).
func (c *Config) controllers() []node.ID {
	for i, g := range c.gid {
		if g == 0 {
			return c.peers[i]
		}
	}
	return nil
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%s is not positive", s)
	}
	return d, err
}

// ID returns the ID of the named server.
func (c *Config) ID(name string) (node.ID, error) {
	for i, n := range c.Nodes {
		if n.Name == name {
			return node.ID(i), nil
		}
	}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	return node.None, fmt.Errorf("no node %q in the cluster file (it has %q)", name, names)
}

// Name names a node: a server's name, or "client-N" for a client's ID.
func (c *Config) Name(id node.ID) string {
	if int(id) >= 0 && int(id) < len(c.Nodes) {
		return c.Nodes[id].Name
	}
	return fmt.Sprintf("client-%d", int(id))
}

// Servers are the servers' IDs.
func (c *Config) Servers() []node.ID {
	ids := make([]node.ID, len(c.Nodes))
	for i := range ids {
		ids[i] = node.ID(i)
	}
	return ids
}

func (c *Config) addrs() map[node.ID]string {
	m := map[node.ID]string{}
	for i, n := range c.Nodes {
		m[node.ID(i)] = n.Addr
	}
	return m
}

func (c *Config) raftConfig(peers []node.ID) raft.Config {
	return raft.Config{Peers: peers, ElectionTimeoutMin: c.electionMin, HeartbeatInterval: c.heartbeat, PreVote: true, CheckQuorum: true}
}

func (c *Config) maxRaftState() int {
	switch {
	case c.MaxRaftState == 0:
		return 1 << 20
	case c.MaxRaftState < 0:
		return 0
	}
	return c.MaxRaftState
}

// Example returns a cluster file on loopback from port: for kv, n servers
// s0..; for shardkv, a controller of n servers c0.. and two groups of n
// (100: a0.., 200: b0..).
func Example(system string, n, port int) []byte {
	c := Config{System: system}
	add := func(prefix string) []string {
		var names []string
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("%s%d", prefix, i)
			c.Nodes = append(c.Nodes, NodeAddr{Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", port+len(c.Nodes))})
			names = append(names, name)
		}
		return names
	}
	if system == "shardkv" {
		c.Controllers = add("c")
		c.Groups = []GroupConfig{{GID: 100, Servers: add("a")}, {GID: 200, Servers: add("b")}}
	} else {
		add("s")
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return append(b, '\n')
}
