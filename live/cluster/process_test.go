package cluster

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/checker"
)

// TestMain lets the test binary be a server or a client: the process tests
// start it again with SIMLAB_LIVE_NODE set to simlab-node's arguments, or
// SIMLAB_LIVE_KV to simlab-kv's.
func TestMain(m *testing.M) {
	if args := os.Getenv("SIMLAB_LIVE_NODE"); args != "" {
		os.Exit(NodeMain(strings.Fields(args), os.Stdout, os.Stderr))
	}
	if args := os.Getenv("SIMLAB_LIVE_KV"); args != "" {
		os.Exit(KVMain(strings.Fields(args), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// proc is one server process of a cluster under test.
type proc struct {
	name, args string
	admin      string
	logPath    string
	cmd        *exec.Cmd
	done       chan struct{}
	exitErr    error
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), "SIMLAB_LIVE_NODE="+p.args)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func() {
		p.exitErr = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
}

// kill is SIGKILL: no chance to sync or close anything.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) status() (Status, error) {
	var st Status
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + p.admin + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func (p *proc) fault(query string) error {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Post("http://"+p.admin+"/faults?"+query, "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("faults?%s: %s", query, resp.Status)
	}
	return nil
}

// TestKVClusterAsProcesses starts a three-server kv cluster as separate
// processes on loopback and puts clients on it while servers are killed
// with SIGKILL and restarted and links are cut through the runtime's
// fault layer. The clients' history must linearize under the simulator's
// porcupine model, and everything acknowledged must survive: a final read
// of every key after the last restart is part of the history.
func TestKVClusterAsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes for about 15 s")
	}
	const n = 3
	dir := t.TempDir()
	ports := freePorts(t, 2*n)
	cfg := &Config{System: "kv"}
	for i := 0; i < n; i++ {
		cfg.Nodes = append(cfg.Nodes, NodeAddr{Name: fmt.Sprintf("s%d", i), Addr: fmt.Sprintf("127.0.0.1:%d", ports[i])})
	}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	clusterFile := filepath.Join(dir, "cluster.json")
	os.WriteFile(clusterFile, b, 0o644)
	procs := make([]*proc, n)
	for i := range procs {
		name := cfg.Nodes[i].Name
		p := &proc{name: name, admin: fmt.Sprintf("127.0.0.1:%d", ports[n+i]), logPath: filepath.Join(dir, name+".log")}
		p.args = fmt.Sprintf("-cluster %s -node %s -data %s -admin %s", clusterFile, name, filepath.Join(dir, name), p.admin)
		procs[i] = p
		p.start(t)
	}
	defer func() {
		for _, p := range procs {
			if p.running() {
				p.kill()
			}
		}
		if t.Failed() {
			for _, p := range procs {
				b, _ := os.ReadFile(p.logPath)
				t.Logf("log of %s:\n%s", p.name, tail(string(b), 40))
			}
		}
	}()
	waitUp := func(p *proc) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := p.status(); err == nil {
				return
			}
			if !p.running() {
				t.Fatalf("%s exited: %v", p.name, p.exitErr)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's admin endpoint never answered", p.name)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, p := range procs {
		waitUp(p)
	}
	leader := func() int {
		for i, p := range procs {
			if st, err := p.status(); err == nil && st.Role == "leader" {
				return i
			}
		}
		return -1
	}

	done := make(chan WorkloadResult)
	go func() {
		res, err := RunWorkload(cfg, Workload{Clients: 5, Keys: 4, Duration: 9 * time.Second, OpTimeout: 3 * time.Second, Log: t.Logf})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()

	// Four rounds of faults: kill the leader, kill another server, cut
	// the leader off, and kill two servers (no majority for a moment).
	r := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var kills, cuts int
	restart := func(ps ...*proc) {
		time.Sleep(time.Duration(300+r.IntN(500)) * time.Millisecond)
		for _, p := range ps {
			p.start(t)
		}
		for _, p := range ps {
			waitUp(p)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	for round := 0; round < 4; round++ {
		l := leader()
		if l < 0 {
			l = r.IntN(n)
		}
		other := (l + 1 + r.IntN(n-1)) % n
		switch round {
		case 0:
			procs[l].kill()
			kills++
			restart(procs[l])
		case 1:
			procs[other].kill()
			kills++
			restart(procs[other])
		case 2:
			var others []string
			for i := range procs {
				if i != l {
					others = append(others, procs[i].name)
				}
			}
			if err := procs[l].fault("cut=" + strings.Join(others, ",")); err != nil {
				t.Fatal(err)
			}
			cuts++
			time.Sleep(time.Second)
			if err := procs[l].fault("heal="); err != nil {
				t.Fatal(err)
			}
		case 3:
			procs[l].kill()
			procs[other].kill()
			kills += 2
			restart(procs[l], procs[other])
		}
		time.Sleep(800 * time.Millisecond)
	}
	res := <-done

	// The data survives: a read of every key, after every restart.
	cl, err := NewClient(cfg, ClientOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// They come after every operation of the workload ended, so after
	// every time it recorded.
	var end time.Duration
	for _, op := range res.History {
		end = max(end, op.Call)
		if op.Done {
			end = max(end, op.Return)
		}
	}
	for k := 0; k < 4; k++ {
		key := fmt.Sprintf("k%d", k)
		call := end + time.Duration(k+1)*time.Millisecond
		v, err := cl.Get(key, 10*time.Second)
		if err != nil {
			t.Fatalf("final read of %s: %v", key, err)
		}
		res.History = append(res.History, checker.Op{Client: 1000, Input: checker.KVInput{Op: checker.Get, Key: key},
			Output: checker.KVOutput{Value: v}, Call: call, Return: call + time.Nanosecond, Done: true})
	}
	t.Logf("%d operations answered, %d unknown, through %d kills and %d cuts; %.0f ops/s, p50 %v, p99 %v",
		res.Ops, res.Unknown, kills, cuts, res.Throughput(), res.Percentile(0.5), res.Percentile(0.99))
	if res.Ops < 100 {
		t.Fatalf("only %d operations were answered", res.Ops)
	}
	checkHistory(t, res)
	mustCatchATamperedRead(t, res)
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
