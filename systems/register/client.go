package register

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// ClientConfig configures a client's workload.
type ClientConfig struct {
	Replicas []node.ID
	// Ops is how many operations the client runs, one after another.
	Ops int
	// ReadRatio is the probability that an operation is a read.
	ReadRatio float64
	// RetryInterval is how long the client waits before re-sending a phase
	// to the replicas that have not answered yet.
	RetryInterval time.Duration
	// ThinkMax bounds the random pause between operations.
	ThinkMax time.Duration
}

// Op is one completed or pending operation in a client's history. Times are
// the client's clock; run clients without clock skew when checking.
type Op struct {
	Client node.ID
	Write  bool
	Value  string // written, or read
	Tag    Tag    // the tag the operation wrote or read
	Call   time.Duration
	Return time.Duration
	Done   bool
}

func (o Op) String() string {
	kind := "read"
	if o.Write {
		kind = "write"
	}
	end := "…"
	if o.Done {
		end = o.Return.String()
	}
	return fmt.Sprintf("%v %s(%q) tag %v [%v, %s]", o.Client, kind, o.Value, o.Tag, o.Call, end)
}

// Client runs a sequence of reads and writes against the replicas and keeps
// its history.
type Client struct {
	cfg     ClientConfig
	index   map[node.ID]int // replica → position in cfg.Replicas
	history []Op

	opNum   uint64
	phase   int // 0 idle, 1 query, 2 store
	answers []bool
	count   int
	maxTag  Tag
	maxVal  string
}

type retryTag struct {
	Op    uint64
	Phase int
}

type thinkTag struct{}

// NewClient returns a factory for clients running cfg's workload.
func NewClient(cfg ClientConfig) node.Factory {
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 50 * time.Millisecond
	}
	return func() node.Handler {
		c := &Client{cfg: cfg, index: map[node.ID]int{}, answers: make([]bool, len(cfg.Replicas))}
		for i, id := range cfg.Replicas {
			c.index[id] = i
		}
		return c
	}
}

// History returns the client's operations so far, the last possibly
// pending.
func (c *Client) History() []Op { return c.history }

// Done reports whether the client has finished its workload.
func (c *Client) Done() bool {
	return len(c.history) == c.cfg.Ops && (len(c.history) == 0 || c.history[len(c.history)-1].Done)
}

func (c *Client) majority() int { return len(c.cfg.Replicas)/2 + 1 }

// Handle implements node.Handler.
func (c *Client) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		c.next(env)
	case *node.Timeout:
		switch t := ev.Tag.(type) {
		case thinkTag:
			c.begin(env)
		case retryTag:
			if t.Op == c.opNum && t.Phase == c.phase {
				env.Mark(markRetry)
				c.broadcast(env)
			}
		}
	case *node.Recv:
		i, ok := c.index[ev.From]
		if !ok {
			return
		}
		switch m := ev.Msg.(type) {
		case QueryResp:
			if m.Op != c.opNum || c.phase != 1 || c.answers[i] {
				if m.Op == c.opNum && !c.answers[i] {
					env.Mark(markLateAnswer)
				}
				return
			}
			if c.count > 0 && m.Tag != c.maxTag {
				env.Mark(markDivergentQuery)
			}
			if c.maxTag.Less(m.Tag) || c.count == 0 {
				c.maxTag, c.maxVal = m.Tag, m.Value
			}
			c.answer(env, i)
		case StoreAck:
			if m.Op != c.opNum || c.phase != 2 || c.answers[i] {
				if m.Op == c.opNum && !c.answers[i] {
					env.Mark(markLateAnswer)
				}
				return
			}
			c.answer(env, i)
		}
	}
}

// next schedules the next operation after a random think time.
func (c *Client) next(env node.Env) {
	if len(c.history) >= c.cfg.Ops {
		return
	}
	env.SetTimer(env.Rand().Duration(0, c.cfg.ThinkMax), thinkTag{})
}

func (c *Client) begin(env node.Env) {
	c.opNum++
	op := Op{Client: env.Self(), Write: !env.Rand().Chance(c.cfg.ReadRatio), Call: env.Now()}
	if op.Write {
		op.Value = fmt.Sprintf("%v:%d", env.Self(), c.opNum)
	}
	c.history = append(c.history, op)
	c.startPhase(env, 1)
}

func (c *Client) startPhase(env node.Env, phase int) {
	c.phase = phase
	clear(c.answers)
	c.count = 0
	c.broadcast(env)
}

// broadcast sends the current phase's request to every replica that has not
// answered it yet, and arms the retry timer.
func (c *Client) broadcast(env node.Env) {
	op := &c.history[len(c.history)-1]
	for i, id := range c.cfg.Replicas {
		if c.answers[i] {
			continue
		}
		if c.phase == 1 {
			env.Send(id, QueryReq{Op: c.opNum})
		} else {
			env.Send(id, StoreReq{Op: c.opNum, Tag: op.Tag, Value: op.Value})
		}
	}
	env.SetTimer(c.cfg.RetryInterval, retryTag{Op: c.opNum, Phase: c.phase})
}

func (c *Client) answer(env node.Env, i int) {
	c.answers[i] = true
	c.count++
	if c.count < c.majority() {
		return
	}
	op := &c.history[len(c.history)-1]
	if c.phase == 1 {
		if op.Write {
			op.Tag = Tag{Seq: c.maxTag.Seq + 1, Writer: env.Self()}
		} else {
			op.Tag, op.Value = c.maxTag, c.maxVal
		}
		c.startPhase(env, 2)
		return
	}
	op.Return = env.Now()
	op.Done = true
	c.phase = 0 // late answers to this operation are ignored
	env.Logf("done: %v", *op)
	c.next(env)
}
