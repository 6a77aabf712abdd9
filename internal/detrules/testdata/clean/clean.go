// Package clean is a fixture for the detrules tests: a small node written
// by the rules, in which nothing may be reported.
package clean

import (
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

const heartbeat = 50 * time.Millisecond

type ping struct{ Seq int }

type pinger struct {
	peers []node.ID
	seen  map[node.ID]int
	seq   int
}

func newPinger(peers []node.ID) node.Handler {
	return &pinger{peers: peers, seen: make(map[node.ID]int)}
}

// Handle implements node.Handler.
func (p *pinger) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		env.SetTimer(heartbeat+env.Rand().Duration(0, heartbeat), nil)
	case *node.Timeout:
		p.seq++
		for _, to := range p.peers {
			env.Send(to, ping{Seq: p.seq})
		}
		env.SetTimer(heartbeat, nil)
	case *node.Recv:
		if m, ok := ev.Msg.(ping); ok {
			p.seen[ev.From] = max(p.seen[ev.From], m.Seq)
		}
		env.Logf("heard from %v at %v", ev.From, env.Now())
	}
}

func (p *pinger) report(env node.Env) {
	for _, id := range sortedIDs(p.seen) {
		env.Logf("%v: %d", id, p.seen[id])
	}
}

func sortedIDs(m map[node.ID]int) []node.ID {
	ids := make([]node.ID, 0, len(m))
	//simlab:unordered sorted below
	for id := range m {
		ids = append(ids, id)
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}
