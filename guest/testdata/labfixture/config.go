package labfixture

// config.go: the harness's tester, in the style of the 6.5840 config.go
// files: it builds a cluster on a Network, connects and partitions it,
// checks what the servers apply, and offers the polling checks the tests
// use ("wait until one leader", "wait until n servers applied index i").
// SIGINT or SIGQUIT makes it print the cluster's state.

import (
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testTimeLimit is how long a test may run, as in the labs.
const testTimeLimit = 120 * time.Second

type config struct {
	mu        sync.Mutex
	t         *testing.T
	net       *Network
	n         int
	rafts     []*Raft
	kvs       []*KVServer // nil unless the cluster runs the key/value service
	applyErr  string      // the first inconsistency seen on an applyCh
	logs      []map[int]any
	connected []bool
	group     []int // servers talk only within a group
	clerkEnds [][]string
	start, t0 time.Time // when the test and its timed part began
	sigCh     chan os.Signal
	sigDone   chan struct{}
}

func peerEnd(i, j int) string  { return fmt.Sprintf("peer-%d-%d", i, j) }
func serverName(i int) string  { return fmt.Sprintf("server-%d", i) }
func clerkEnd(k, j int) string { return fmt.Sprintf("clerk-%d-%d", k, j) }

// makeConfig starts n Raft peers (with the key/value service on top when
// kv is set) on a network that is unreliable when asked.
func makeConfig(t *testing.T, n int, unreliable, kv bool) *config {
	cfg := &config{
		t: t, net: MakeNetwork(), n: n, start: time.Now(),
		rafts: make([]*Raft, n), logs: make([]map[int]any, n),
		connected: make([]bool, n), group: make([]int, n),
		sigCh: make(chan os.Signal, 1), sigDone: make(chan struct{}),
	}
	signal.Notify(cfg.sigCh, os.Interrupt, syscall.SIGQUIT)
	go cfg.onSignal()
	cfg.net.SetUnreliable(unreliable)
	if kv {
		cfg.kvs = make([]*KVServer, n)
	}
	for i := 0; i < n; i++ {
		cfg.logs[i] = map[int]any{}
		cfg.connected[i] = true
		peers := make([]*ClientEnd, n)
		for j := range peers {
			peers[j] = cfg.net.MakeEnd(peerEnd(i, j), serverName(j))
		}
		srv := Server{}
		if kv {
			cfg.kvs[i] = StartKVServer(peers, i)
			cfg.rafts[i] = cfg.kvs[i].rf
			srv["KVServer"] = NewService(cfg.kvs[i])
		} else {
			applyCh := make(chan ApplyMsg)
			cfg.rafts[i] = Make(peers, i, applyCh)
			go cfg.applier(i, applyCh)
		}
		srv["Raft"] = NewService(cfg.rafts[i])
		cfg.net.AddServer(serverName(i), srv)
	}
	cfg.relink()
	return cfg
}

// onSignal prints the cluster's state when the test binary is interrupted,
// so that a hung test shows where it is.
func (cfg *config) onSignal() {
	for {
		select {
		case s := <-cfg.sigCh:
			var b strings.Builder
			for i, rf := range cfg.rafts {
				rf.mu.Lock()
				fmt.Fprintf(&b, "  server %d: term %d %v, log %d, commit %d, applied %d\n",
					i, rf.currentTerm, rf.state, len(rf.log)-1, rf.commitIndex, rf.lastApplied)
				rf.mu.Unlock()
			}
			fmt.Fprintf(os.Stderr, "tester: %v after %v:\n%s", s, time.Since(cfg.start).Round(time.Millisecond), b.String())
		case <-cfg.sigDone:
			return
		}
	}
}

func (cfg *config) cleanup() {
	signal.Stop(cfg.sigCh)
	close(cfg.sigDone)
	for i, rf := range cfg.rafts {
		if cfg.kvs != nil {
			cfg.kvs[i].Kill()
		} else {
			rf.Kill()
		}
	}
	cfg.net.Cleanup()
	cfg.checkTimeout()
}

// checkTimeout enforces the labs' limit on a test's duration.
func (cfg *config) checkTimeout() {
	if !cfg.t.Failed() && time.Since(cfg.start) > testTimeLimit {
		cfg.t.Fatalf("test took longer than %v", testTimeLimit)
	}
}

func (cfg *config) begin(desc string) {
	fmt.Printf("%s ...\n", desc)
	cfg.t0 = time.Now()
}

func (cfg *config) end() {
	cfg.checkTimeout()
	if !cfg.t.Failed() {
		cfg.mu.Lock()
		applied := len(cfg.logs[0])
		cfg.mu.Unlock()
		fmt.Printf("  ... Passed -- %5.1fs %d servers %5d rpcs %4d applied\n",
			time.Since(cfg.t0).Seconds(), cfg.n, cfg.net.Calls(), applied)
	}
}

// applier checks what server i applies against what the others applied
// at the same index.
func (cfg *config) applier(i int, applyCh chan ApplyMsg) {
	for m := range applyCh {
		cfg.mu.Lock()
		if _, dup := cfg.logs[i][m.CommandIndex]; dup || (m.CommandIndex > 1 && cfg.logs[i][m.CommandIndex-1] == nil) {
			if cfg.applyErr == "" {
				cfg.applyErr = fmt.Sprintf("server %d applied index %d out of order", i, m.CommandIndex)
			}
		}
		for j, l := range cfg.logs {
			if old, ok := l[m.CommandIndex]; ok && old != m.Command && cfg.applyErr == "" {
				cfg.applyErr = fmt.Sprintf("commit index=%d server=%d %v != server=%d %v",
					m.CommandIndex, i, m.Command, j, old)
			}
		}
		cfg.logs[i][m.CommandIndex] = m.Command
		cfg.mu.Unlock()
	}
}

// relink enables exactly the links that the connections and groups allow;
// clerks reach every connected server, whatever the groups.
func (cfg *config) relink() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := 0; i < cfg.n; i++ {
		for j := 0; j < cfg.n; j++ {
			cfg.net.Enable(peerEnd(i, j), cfg.connected[i] && cfg.connected[j] && cfg.group[i] == cfg.group[j])
		}
		for k := range cfg.clerkEnds {
			cfg.net.Enable(clerkEnd(k, i), cfg.connected[i])
		}
	}
}

// setConnected cuts server i off from everyone, clerks included, or
// connects it again.
func (cfg *config) setConnected(i int, yes bool) {
	cfg.mu.Lock()
	cfg.connected[i] = yes
	cfg.mu.Unlock()
	cfg.relink()
}

func (cfg *config) disconnect(i int) { cfg.setConnected(i, false) }
func (cfg *config) connect(i int)    { cfg.setConnected(i, true) }

func (cfg *config) isConnected(i int) bool {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.connected[i]
}

// partition splits the servers into groups that cannot talk to each other.
func (cfg *config) partition(groups ...[]int) {
	cfg.mu.Lock()
	for g, members := range groups {
		for _, i := range members {
			cfg.group[i] = g
		}
	}
	cfg.mu.Unlock()
	cfg.relink()
}

// isolateAll puts every server in a group of its own.
func (cfg *config) isolateAll() {
	groups := make([][]int, cfg.n)
	for i := range groups {
		groups[i] = []int{i}
	}
	cfg.partition(groups...)
}

// heal connects everything again.
func (cfg *config) heal() {
	cfg.mu.Lock()
	for i := range cfg.group {
		cfg.group[i], cfg.connected[i] = 0, true
	}
	cfg.mu.Unlock()
	cfg.relink()
}

// makeClerk returns a clerk with an end to every server.
func (cfg *config) makeClerk() *Clerk {
	cfg.mu.Lock()
	k := len(cfg.clerkEnds)
	ends := make([]*ClientEnd, cfg.n)
	names := make([]string, cfg.n)
	for j := range ends {
		names[j] = clerkEnd(k, j)
		ends[j] = cfg.net.MakeEnd(names[j], serverName(j))
	}
	cfg.clerkEnds = append(cfg.clerkEnds, names)
	cfg.mu.Unlock()
	cfg.relink()
	return MakeClerk(ends)
}

// checkLeaders fails the test if two servers lead the same term, and
// returns the newest term's leader among the connected servers, or -1.
func (cfg *config) checkLeaders() int {
	byTerm := map[int]int{}
	newest, leader := -1, -1
	for i, rf := range cfg.rafts {
		term, isLeader := rf.GetState()
		if !isLeader {
			continue
		}
		if other, ok := byTerm[term]; ok {
			cfg.t.Fatalf("two leaders in term %d: %d and %d", term, other, i)
		}
		byTerm[term] = i
		if cfg.isConnected(i) && term > newest {
			newest, leader = term, i
		}
	}
	return leader
}

// checkOneLeader waits until the connected servers have a leader and
// returns it.
func (cfg *config) checkOneLeader() int {
	for iter := 0; iter < 10; iter++ {
		time.Sleep(time.Duration(450+rand.Intn(100)) * time.Millisecond)
		cfg.checkTimeout()
		if leader := cfg.checkLeaders(); leader >= 0 {
			return leader
		}
	}
	cfg.t.Fatalf("expected one leader, got none")
	return -1
}

// checkNoLeader fails if a connected server believes it is the leader.
func (cfg *config) checkNoLeader() {
	if leader := cfg.checkLeaders(); leader >= 0 {
		cfg.t.Fatalf("expected no leader among connected servers, but %d leads", leader)
	}
}

// checkTerms returns the term the connected servers agree on.
func (cfg *config) checkTerms() int {
	term := -1
	for i, rf := range cfg.rafts {
		if cfg.isConnected(i) {
			if t, _ := rf.GetState(); term == -1 {
				term = t
			} else if t != term {
				cfg.t.Fatalf("servers disagree on term: %d and %d", term, t)
			}
		}
	}
	return term
}

// watch sleeps for d, checking safety every 10 ms.
func (cfg *config) watch(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
		cfg.checkTimeout()
		cfg.checkLeaders()
		cfg.nCommitted(0)
	}
}

// nCommitted returns how many servers applied index, and the command; it
// fails the test if an applyCh showed an inconsistency.
func (cfg *config) nCommitted(index int) (int, any) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	if cfg.applyErr != "" {
		cfg.t.Fatalf("apply error: %s", cfg.applyErr)
	}
	count := 0
	var cmd any
	for _, l := range cfg.logs {
		if c, ok := l[index]; ok {
			count, cmd = count+1, c
		}
	}
	return count, cmd
}

// one proposes cmd until some leader gets it applied by at least expected
// servers, and returns its index.
func (cfg *config) one(cmd any, expected int) int {
	next := 0
	for t0 := time.Now(); time.Since(t0) < 10*time.Second; {
		cfg.checkTimeout()
		index := -1
		for k := 0; k < cfg.n && index < 0; k++ {
			if next = (next + 1) % cfg.n; cfg.isConnected(next) {
				if i, _, ok := cfg.rafts[next].Start(cmd); ok {
					index = i
				}
			}
		}
		if index < 0 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for t1 := time.Now(); time.Since(t1) < 2*time.Second; time.Sleep(20 * time.Millisecond) {
			if n, c := cfg.nCommitted(index); n >= expected && c == cmd {
				return index
			}
		}
	}
	cfg.t.Fatalf("one(%v) failed to reach agreement", cmd)
	return -1
}
