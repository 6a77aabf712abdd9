package report

import (
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// The report's tests look at a run of a small store that is broken on
// purpose: its server answers a get with the value before the last put, so
// the history of its clients is not linearizable. Its schedule partitions,
// crashes, restarts and pauses the server and the network loses and
// duplicates messages, so the report has every kind of band and fate.

type toyPut struct{ Value string }
type toyGet struct{}
type toyReply struct {
	Value string
	Ok    bool
}
type toyRetry struct{}

// toyServer keeps the last two values; it answers gets with the older.
type toyServer struct{ last, before string }

func (s *toyServer) Handle(env node.Env, ev node.Event) {
	r, ok := ev.(*node.Recv)
	if !ok {
		return
	}
	switch m := r.Msg.(type) {
	case toyPut:
		s.before, s.last = s.last, m.Value
		env.Send(r.From, toyReply{Ok: true})
	case toyGet:
		env.Send(r.From, toyReply{Value: s.before, Ok: true})
	}
}

type toyClient struct {
	index  int
	server node.ID
	rec    *checker.Recorder
	ops    int
	op     int // the operation in flight, -1 for none
	get    bool
	value  string
	timer  node.TimerID
}

func (c *toyClient) Handle(env node.Env, ev node.Event) {
	switch e := ev.(type) {
	case *node.Start:
		c.op = -1
		c.next(env)
	case *node.Timeout:
		if _, retry := e.Tag.(toyRetry); retry && c.op >= 0 {
			c.send(env)
		} else if c.op < 0 {
			c.next(env)
		}
	case *node.Recv:
		if _, ok := e.Msg.(toyReply); !ok || c.op < 0 {
			return
		}
		out := checker.KVOutput{}
		if c.get {
			out.Value = e.Msg.(toyReply).Value
		}
		c.rec.Return(c.op, out)
		c.op = -1
		env.StopTimer(c.timer)
		env.SetTimer(env.Rand().Duration(0, 40*time.Millisecond), struct{}{})
	}
}

func (c *toyClient) next(env node.Env) {
	if c.ops >= 30 {
		return
	}
	c.ops++
	c.get = env.Rand().IntN(2) == 0
	in := checker.KVInput{Op: checker.Put, Key: "x"}
	if c.get {
		in.Op = checker.Get
	} else {
		c.value = string(rune('a'+c.index)) + string(rune('0'+c.ops%10))
		in.Value = c.value
	}
	c.op = c.rec.Call(c.index, in)
	c.send(env)
}

func (c *toyClient) send(env node.Env) {
	if c.get {
		env.Send(c.server, toyGet{})
	} else {
		env.Send(c.server, toyPut{Value: c.value})
	}
	c.timer = env.SetTimer(150*time.Millisecond, toyRetry{})
}

const toySchedule = "300ms loss 0.1; 300ms dup 0.1; 600ms partition s0,c0|c1; 900ms heal; 1.2s crash s0; 1.5s restart s0; 1.8s pause s0 200ms"

func toyScenario() scenarios.Scenario {
	return scenarios.Scenario{Name: "toy/stale-reads", Summary: "a store whose gets answer the value before the last put", Histories: true,
		Run: func(c *scenarios.Case) {
			w := c.NewWorld(sim.Config{})
			rec := scenarios.NewRecorder(w)
			server := w.AddNode("s0", func() node.Handler { return &toyServer{} })
			for i := 0; i < 2; i++ {
				i := i
				name := []string{"c0", "c1"}[i]
				w.AddNode(name, func() node.Handler { return &toyClient{index: i, server: server, rec: rec} })
			}
			s, err := scenarios.ParseSchedule(toySchedule)
			c.Must(err)
			c.Apply(w, s)
			c.Must(w.RunFor(3 * time.Second))
			c.CheckLinearizable("toy store", checker.KVModel, rec.Ops())
		}}
}
