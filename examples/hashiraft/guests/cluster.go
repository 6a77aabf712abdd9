//go:build !wasip1

package guests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/examples/hashiraft/kvnode"
	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// ServerPackage is the server program: built for wasip1 from this
// package's module.
const ServerPackage = "github.com/simlab-go/simlab/examples/hashiraft/cmd/kvnode"

// programs holds each program built and compiled in this process, by
// package: a build and a compilation cost seconds, a run a fraction.
var programs sync.Map // string → *compiled

type compiled struct {
	once sync.Once
	p    *guest.Program
	err  error
}

// Program builds (GOOS=wasip1, through the go command and its cache) and
// compiles the main package pkg of this module once per process, its
// goroutines run in Go's own order.
func Program(pkg string) (*guest.Program, error) {
	return ProgramWith(pkg, gotest.ScheduleFIFO)
}

// ProgramWith is Program with its goroutines run in the order sched says.
func ProgramWith(pkg string, sched gotest.Schedule) (*guest.Program, error) {
	v, _ := programs.LoadOrStore(pkg+" "+string(sched), &compiled{})
	c := v.(*compiled)
	c.once.Do(func() {
		var dir bytes.Buffer
		cmd := exec.Command("go", "list", "-f", "{{.Dir}}", pkg)
		cmd.Stdout, cmd.Stderr = &dir, os.Stderr
		if c.err = cmd.Run(); c.err != nil {
			c.err = fmt.Errorf("finding %s (run from inside the module examples/hashiraft): %w", pkg, c.err)
			return
		}
		var b *gotest.Binary
		if b, c.err = gotest.BuildCommandWith(context.Background(), strings.TrimSpace(dir.String()), "", gotest.BuildOptions{Schedule: sched}); c.err != nil {
			return
		}
		var bin []byte
		if bin, c.err = os.ReadFile(b.Path); c.err != nil {
			return
		}
		c.p, c.err = guest.Compile(context.Background(), bin, guest.CompileOptions{})
	})
	return c.p, c.err
}

// The servers' ports.
const (
	raftPort   = 8300
	clientPort = 8400
)

// cluster is a run's World: servers s0.., and one client node c0 running
// the clients, whose history it records.
type cluster struct {
	c       *scenarios.Case
	w       *sim.World
	servers []node.ID
	names   []string
	rec     *checker.Recorder
	pending map[[2]uint64]int // a call's recorder id, by client and seq
	done    bool              // the clients finished
	lost    int               // operations given up on
}

// newCluster builds the servers from program p (the kvnode binary, or a
// broken variant) and the clients.
func newCluster(c *scenarios.Case, p *guest.Program, cfg sim.Config) *cluster {
	n, clients, ops := c.IntParam("servers"), c.IntParam("clients"), c.IntParam("ops")
	cl := &cluster{c: c, w: c.NewWorld(cfg), pending: map[[2]uint64]int{}}
	var peers, addrs []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s%d", i)
		cl.names = append(cl.names, name)
		peers = append(peers, fmt.Sprintf("%s=%s:%d", name, name, raftPort))
		addrs = append(addrs, fmt.Sprintf("%s:%d", name, clientPort))
	}
	for _, name := range cl.names {
		args := []string{"-id", name, "-peers", strings.Join(peers, ","), "-raft", fmt.Sprintf(":%d", raftPort),
			"-client", fmt.Sprintf(":%d", clientPort), "-dir", "/data"}
		cl.servers = append(cl.servers, cl.w.AddNode(name, p.Node(guest.NodeConfig{Name: "kvnode", Args: args, Net: cl.w, Output: cl.serverOutput})))
	}
	cl.rec = scenarios.NewRecorder(cl.w)
	args := []string{"-servers", strings.Join(addrs, ","), "-clients", fmt.Sprint(clients), "-ops", fmt.Sprint(ops),
		"-keys", "3", "-think", "100ms", "-give-up", "3s"}
	cl.w.AddNode("c0", p.Node(guest.NodeConfig{Name: "kvnode", Args: args, Net: cl.w, Output: cl.output}))
	c.Describe(cl.describe)
	return cl
}

// serverOutput watches a server's standard output for its refusal to start
// over damaged state (kvnode.ExitDamaged): right when the World damaged its
// disk, a failure when it never did (a torn tail taken for damage).
func (cl *cluster) serverOutput(env node.Env, line string) {
	if !strings.HasPrefix(line, "refused: ") {
		return
	}
	id := env.Self()
	if len(cl.w.Damaged(id)) == 0 {
		cl.c.Failf("%s refused to start over a disk the World never damaged: %s", cl.w.Name(id), strings.TrimPrefix(line, "refused: "))
	}
}

// output reads one line of the clients' history.
func (cl *cluster) output(_ node.Env, line string) {
	if line == "done" {
		cl.done = true
		return
	}
	e, ok := kvnode.ParseEvent(line)
	if !ok {
		return
	}
	key := [2]uint64{e.Client, e.Seq}
	switch e.Kind {
	case "call":
		cl.pending[key] = cl.rec.Call(int(e.Client), checker.KVInput{Op: checker.KVOp(e.Op), Key: e.Key, Value: e.Value})
	case "ok":
		if id, ok := cl.pending[key]; ok {
			cl.rec.Return(id, checker.KVOutput{Value: e.Value})
			delete(cl.pending, key)
		}
	case "lost":
		delete(cl.pending, key) // never answered: its outcome is unknown
		cl.lost++
	}
}

func (cl *cluster) describe() string {
	var up []string
	for i, id := range cl.servers {
		if cl.w.Up(id) {
			up = append(up, cl.names[i])
		}
	}
	return fmt.Sprintf("servers up: %s; %d operations recorded, %d given up on, clients done: %v", strings.Join(up, " "), cl.rec.Len(), cl.lost, cl.done)
}

// finish waits for the clients to finish their operations within limit,
// then checks the history.
func (cl *cluster) finish(limit time.Duration) {
	cl.c.Check(cl.w.RunUntil(func() bool { return cl.done }, limit, "the clients finishing their operations"))
	cl.c.CheckLinearizable("kv", checker.KVModel, cl.rec.Ops())
}
