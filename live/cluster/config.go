package cluster

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
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
// reads the same file.
type Config struct {
	// System is what the servers run: "kv" (the key/value store on Raft).
	System string `json:"system"`
	// Nodes are the servers.
	Nodes []NodeAddr `json:"nodes"`
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
}

// NodeAddr is one server: its name and the address it listens on.
type NodeAddr struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// Systems lists the systems a cluster can run.
var Systems = []string{"kv"}

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
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cluster file: %w", err)
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
		case names[n.Name]:
			return fmt.Errorf("cluster file: two nodes are named %s", n.Name)
		case n.Addr == "":
			return fmt.Errorf("cluster file: node %s has no addr", n.Name)
		case addrs[n.Addr]:
			return fmt.Errorf("cluster file: nodes share the address %s", n.Addr)
		case !live.IsLoopback(n.Addr) && c.key == nil:
			return fmt.Errorf("cluster file: node %s listens on %s, off loopback, and the cluster has no key: add \"key\" (simlab-node keygen makes one)", n.Name, n.Addr)
		}
		names[n.Name], addrs[n.Addr] = true, true
	}
	var err error
	if c.electionMin, err = duration(c.ElectionTimeoutMin, 300*time.Millisecond); err != nil {
		return fmt.Errorf("cluster file: electionTimeoutMin: %w", err)
	}
	if c.heartbeat, err = duration(c.HeartbeatInterval, 100*time.Millisecond); err != nil {
		return fmt.Errorf("cluster file: heartbeatInterval: %w", err)
	}
	if err := c.raftConfig().Validate(); err != nil {
		return fmt.Errorf("cluster file: %w", err)
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

func (c *Config) peers() map[node.ID]string {
	m := map[node.ID]string{}
	for i, n := range c.Nodes {
		m[node.ID(i)] = n.Addr
	}
	return m
}

func (c *Config) raftConfig() raft.Config {
	return raft.Config{Peers: c.Servers(), ElectionTimeoutMin: c.electionMin, HeartbeatInterval: c.heartbeat, PreVote: true, CheckQuorum: true}
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

// Example returns a cluster file of n servers on loopback from port.
func Example(system string, n, port int) []byte {
	c := Config{System: system}
	for i := 0; i < n; i++ {
		c.Nodes = append(c.Nodes, NodeAddr{Name: fmt.Sprintf("s%d", i), Addr: fmt.Sprintf("127.0.0.1:%d", port+i)})
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return append(b, '\n')
}
