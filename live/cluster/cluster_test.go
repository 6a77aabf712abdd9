package cluster

import (
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
)

var quiet = log.New(io.Discard, "", 0)

// freePorts finds n ports free on loopback now.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

func testConfig(t testing.TB, n int) *Config {
	t.Helper()
	c := &Config{System: "kv"}
	for i, p := range freePorts(t, n) {
		c.Nodes = append(c.Nodes, NodeAddr{Name: fmt.Sprintf("s%d", i), Addr: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	return c
}

// leaderOf asks each running server whether it leads.
func leaderOf(servers []*Server) node.ID {
	for _, s := range servers {
		if s == nil {
			continue
		}
		if s.Status().Role == "leader" {
			return s.ID
		}
	}
	return node.None
}

func checkHistory(t *testing.T, res WorkloadResult) {
	t.Helper()
	r := checker.CheckLinearizable(checker.KVModel, res.History, time.Minute)
	if r.Outcome != checker.Linearizable {
		t.Fatalf("the live history of %d operations is %s: %s", len(res.History), r.Outcome, r.Explain())
	}
}

// TestKVClusterInOneProcess runs three kv servers on loopback in this
// process: clients under a leader crash and restart and a cut link, the
// history checked by the simulator's porcupine model.
func TestKVClusterInOneProcess(t *testing.T) {
	cfg := testConfig(t, 3)
	dirs := t.TempDir()
	servers := make([]*Server, 3)
	start := func(i int) {
		s, err := StartServer(cfg, cfg.Nodes[i].Name, ServerOptions{Dir: filepath.Join(dirs, cfg.Nodes[i].Name), Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		servers[i] = s
	}
	for i := range servers {
		start(i)
	}
	defer func() {
		for _, s := range servers {
			if s != nil {
				s.Stop()
			}
		}
	}()
	done := make(chan WorkloadResult)
	go func() {
		res, err := RunWorkload(cfg, Workload{Clients: 4, Keys: 3, Duration: 4 * time.Second, OpTimeout: 3 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	time.Sleep(time.Second)
	waitFor(t, func() bool { return leaderOf(servers) != node.None })
	l := leaderOf(servers)
	{
		servers[l].Stop() // a crash: unsynced writes may or may not be there
		servers[l] = nil
		time.Sleep(700 * time.Millisecond)
		start(int(l))
	}
	time.Sleep(500 * time.Millisecond)
	waitFor(t, func() bool { l = leaderOf(servers); return l != node.None })
	{
		servers[l].Faults.Cut(cfg.Servers()...)
		time.Sleep(time.Second)
		servers[l].Faults.Heal()
	}
	res := <-done
	t.Logf("%d operations answered, %d unknown, %.0f ops/s, p50 %v, p99 %v", res.Ops, res.Unknown, res.Throughput(), res.Percentile(0.5), res.Percentile(0.99))
	if res.Ops < 50 {
		t.Fatalf("only %d operations were answered", res.Ops)
	}
	checkHistory(t, res)
	mustCatchATamperedRead(t, res)
}

// mustCatchATamperedRead shows the check is not vacuous: the same history
// with one read's answer changed to a value never written fails it.
func mustCatchATamperedRead(t *testing.T, res WorkloadResult) {
	t.Helper()
	ops := append([]checker.Op(nil), res.History...)
	for i := len(ops) - 1; i >= 0; i-- {
		if in := ops[i].Input.(checker.KVInput); in.Op == checker.Get && ops[i].Done {
			ops[i].Output = checker.KVOutput{Value: "never written"}
			if r := checker.CheckLinearizable(checker.KVModel, ops, time.Minute); r.Outcome != checker.NotLinearizable {
				t.Fatalf("a read of a value never written passed the check: %s", r.Outcome)
			}
			return
		}
	}
	t.Fatal("the history has no answered read")
}
