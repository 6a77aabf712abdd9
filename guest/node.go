package guest

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"

	"github.com/simlab-go/simlab/sim/node"
)

// A guest as a node of a World. The guest runs on a goroutine of its own,
// but never at the same time as the World: a handler call hands it the
// node's Env and waits until every goroutine of the guest waits (it asks
// poll_oneoff to sleep until its next timer), then sets a timer for that
// wake-up and returns. So the World stays one event loop, and the guest's
// clock is the node's: the node's time when it resumed plus the work it
// has done since. Its randomness is the node's Env.Rand, its output the
// node's log. A crash throws the instance away (node.Discarder) and a
// restart instantiates the module again.
//
// Its files under /data are the node's disk (diskfs.go), and its sockets
// (through the guest package guest/simnet) are streams over the World's
// messages (stack.go): a segment for the node goes to its stack, and the
// guest resumes to see what it brought.

// NodeConfig configures a guest node.
type NodeConfig struct {
	// Name is the guest's program name (argv[0]); "guest" if empty.
	Name string
	// Args are its arguments.
	Args []string
	// WorkCost is the virtual time 1,000 units of the guest's work cost;
	// 0 means the default of Config.
	WorkCost time.Duration
	// WallLimit bounds the real time the guest may run in one handler call
	// without waiting (a loop that never waits); 0 means 10 s. It is
	// stopped then, with its stack in the node's log.
	WallLimit time.Duration
	// Net resolves the host names the guest dials (a *sim.World does);
	// without it a host is named "n3" for node 3.
	Net Directory
	// Output, when set, is called with each line the guest writes to its
	// standard output (without the newline), during the handler call that
	// wrote it: how a harness reads what a guest client reports (the
	// operations of a history, say) at the World's time.
	Output func(env node.Env, line string)
}

// Node returns the factory of a World node that runs p, one instance per
// incarnation.
func (p *Program) Node(cfg NodeConfig) node.Factory {
	return func() node.Handler { return &guestNode{p: p, cfg: cfg} }
}

// guestNode is one incarnation of a guest node.
type guestNode struct {
	p   *Program
	cfg NodeConfig
	run *nodeRun
	gen int // the current wake-up timer's generation

	// The pending wake-up: when, and its timer; wakeAt < 0 when none.
	wakeAt    int64
	wakeTimer node.TimerID
}

// wakeTick is the timer of a guest's wake-up.
type wakeTick struct{ Gen int }

// nodeRun is the hand-over between a node's handler calls and the
// goroutine running its guest.
type nodeRun struct {
	resume    chan node.Env // handler → guest: run, in this call
	yield     chan int64    // guest → handler: wake me at this time; -1: I ended
	env       node.Env      // the handler call the guest runs in
	discarded bool
	end       string // how the guest ended

	self  string    // the node's name, for its sockets' addresses
	stack *netStack // its sockets
	disk  *diskFS   // its files

	output  func(env node.Env, line string) // NodeConfig.Output
	partial []byte                          // standard output since its last newline
}

// stdout takes what the guest wrote to its standard output and hands each
// complete line to the node's Output.
func (n *nodeRun) stdout(p []byte) {
	if n.output == nil {
		return
	}
	n.partial = append(n.partial, p...)
	for {
		i := bytes.IndexByte(n.partial, '\n')
		if i < 0 {
			return
		}
		line := string(n.partial[:i])
		n.partial = n.partial[i+1:]
		n.output(n.env, line)
	}
}

// Handle implements node.Handler.
func (g *guestNode) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		g.run = &nodeRun{resume: make(chan node.Env), yield: make(chan int64), stack: newNetStack(g.cfg.Net), output: g.cfg.Output}
		g.run.self = nodeName(g.cfg.Net, env.Self())
		g.wakeAt = -1
		go g.p.runNode(g.cfg, g.run)
		g.step(env)
	case *node.Recv:
		seg, ok := ev.Msg.(*Segment)
		switch {
		case !ok:
		case g.run.end != "":
			// The program has exited: like a machine whose process is
			// gone, the node resets what reaches it.
			if seg.Flags&FlagRST == 0 {
				reset(env, ev.From, seg)
			}
		default:
			g.run.stack.segment(env, ev.From, seg)
			g.step(env)
		}
	case *node.Timeout:
		switch t := ev.Tag.(type) {
		case wakeTick:
			if t.Gen == g.gen && g.run.end == "" {
				g.wakeAt = -1
				g.step(env)
			}
		case sockTimer:
			if g.run.end == "" {
				g.run.stack.timeout(env, t)
				g.step(env)
			}
		}
	}
}

// nodeName is a node's name in dir, or "n3" without one.
func nodeName(dir Directory, id node.ID) string {
	if dir != nil {
		return dir.Name(id)
	}
	return id.String()
}

// step lets the guest run until it waits or ends.
func (g *guestNode) step(env node.Env) {
	g.run.resume <- env
	at := <-g.run.yield
	if at < 0 {
		env.Logf("guest ended: %s", g.run.end)
		return
	}
	if at == g.wakeAt {
		return // its timer is set already
	}
	if g.wakeAt >= 0 {
		env.StopTimer(g.wakeTimer)
	}
	g.gen++
	g.wakeAt = at
	if at >= maxVirtual {
		return // it waits for the network only
	}
	g.wakeTimer = env.SetTimer(time.Duration(max(at-int64(env.Now()), 0)), wakeTick{g.gen})
}

// Discard implements node.Discarder: the instance and its goroutine go.
func (g *guestNode) Discard() {
	if g.run != nil && g.run.end == "" && !g.run.discarded {
		g.run.discarded = true
		close(g.run.resume)
	}
}

// wait hands the node's handler call back, asking to be woken at at, and
// returns when a later call resumes the guest.
func (n *nodeRun) wait(r *instance, at int64) {
	n.charge(r)
	n.yield <- at
	env, ok := <-n.resume
	if !ok {
		r.stop(StopCanceled, "the node was discarded")
	}
	n.env, r.base, r.fuelMark = env, int64(env.Now()), r.fuelUsed()
	r.wallStart = time.Now() // the wall limit counts one handler call's running
}

// charge tells the World what the guest computed in this handler call, so
// that with a CPU model its effects (sends, writes) happen when its own
// clock says it made them.
func (n *nodeRun) charge(r *instance) {
	if d := r.now() - r.base; d > 0 {
		n.env.Compute(time.Duration(d))
	}
}

// runNode is the guest's goroutine.
func (p *Program) runNode(cfg NodeConfig, n *nodeRun) {
	env, ok := <-n.resume
	if !ok {
		return
	}
	wall := cfg.WallLimit
	if wall <= 0 {
		wall = 10 * time.Second
	}
	c := &Config{WorkCost: cfg.WorkCost, WallLimit: wall, VirtualLimit: time.Duration(maxVirtual)}
	inst := newInstance(c)
	inst.node, n.env = n, env
	inst.base, inst.rand, inst.limit = int64(env.Now()), env.Rand(), maxVirtual
	n.disk = &diskFS{run: n, epoch: inst.epochNanos}
	fc := wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(n.disk, diskMount)
	fc = fc.(sysfs.FSConfig).WithSysFSMount(sockFS{run: n}, sockMount)
	mc := moduleConfig(inst, cfg.Name, cfg.Args, nil, nil).WithFSConfig(fc)
	ctx := context.WithValue(context.Background(), runKey{}, inst)
	mod, err := p.rt.InstantiateModule(ctx, p.code, mc)
	if err == nil {
		inst.attach(mod)
		_, err = mod.ExportedFunction("_start").Call(ctx)
		mod.Close(ctx)
	}
	if n.discarded {
		return
	}
	res := &Result{Exit: -1}
	res.ended(err)
	n.end = fmt.Sprintf("exit status %d", res.Exit)
	if res.Stop != "" {
		n.end = fmt.Sprintf("stopped (%s): %s\n%s", res.Stop, res.Message, res.Stack)
	}
	n.charge(inst)
	n.yield <- -1
}
