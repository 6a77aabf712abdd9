package raftcat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// raftCluster is the harness of the catalogue: n servers of one Raft
// implementation each hosting a small service, the invariant checker
// watching every event, and the operations the classic Raft lab tests are
// written in (connect, disconnect, crash, start a command, wait for
// agreement) in virtual time.
type raftCluster struct {
	*harness.Faults
	c     *scenarios.Case
	w     *sim.World
	impl  Impl
	ids   []node.ID
	names []string
	cfg   Config
	check *checker.Consensus
	// revealed is what each server told the others (its term, votes,
	// acknowledged entries), checked when it restarts, and the votes
	// each leader was granted; nil for an Impl without Reveals.
	revealed *harness.Revealed
	views    []checker.LogView
	hosts    map[node.ID]*raftHost
	boots    map[node.ID]uint64
	applied  map[node.ID]int // last index applied by the running incarnation
	hashes   []uint64        // hashes[i]: the service state after applying 1..i
	failure  error           // the first service-level violation seen

	// snapEvery makes every service snapshot after each multiple of it.
	snapEvery int
	// installs counts snapshots a server installed from a leader (not
	// restored from its own disk at boot).
	installs int
	// staleVotes counts votes that reached their candidate after it had
	// moved past the term they were granted in.
	staleVotes int
	// wrapEnv, when set, stands between each server and its Env: tests
	// use it to build broken variants (a disk that forgets, say), and
	// scenarios to count messages.
	wrapEnv func(h *raftHost, env node.Env) node.Env
	// traffic counts what each server received from each other since the
	// current wait began (markWait): what describe tells of a stuck run.
	traffic      map[[2]node.ID]*linkTraffic
	trafficSince time.Duration
}

// newRaftCluster builds n servers s0..s(n-1) of impl configured by tweak
// (nil: defaults) and an invariant observer, declares the "leader" role and
// binds the run's schedule: simCfg's link, if set, as actions at 0s.
func newRaftCluster(c *scenarios.Case, impl Impl, simCfg sim.Config, n int, tweak func(*Config)) *raftCluster {
	w, faults := harness.NewWorld(c, simCfg)
	rc := &raftCluster{Faults: faults, c: c, w: w, impl: impl, check: checker.NewConsensus(), hosts: map[node.ID]*raftHost{},
		boots: map[node.ID]uint64{}, applied: map[node.ID]int{}, hashes: []uint64{0}, traffic: map[[2]node.ID]*linkTraffic{}}
	for i := 0; i < n; i++ {
		rc.ids = append(rc.ids, node.ID(len(rc.w.Nodes())+i))
	}
	if impl.Reveals != nil {
		rc.revealed = harness.NewRevealed(w, rc.ids, impl.Reveals, revealID,
			func(id node.ID) uint64 { return rc.boots[id] }, rc.revealing)
	}
	rc.cfg = Config{Peers: rc.ids}
	if tweak != nil {
		tweak(&rc.cfg)
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s%d", i)
		rc.names = append(rc.names, name)
		if id := rc.w.AddNode(name, rc.factory); id != rc.ids[i] {
			panic("raft cluster: unexpected node IDs")
		}
	}
	rc.w.Observe("raft safety", rc.observe)
	c.Cleanup(rc.checkAnchored)
	rc.Role("leader", rc.names, func() int { return slices.Index(rc.ids, rc.leaderNow()) })
	rc.Describe(rc.describe)
	rc.Bind(nil)
	return rc
}

func (rc *raftCluster) factory() node.Handler {
	h := &raftHost{rc: rc, id: node.None} // id is set by Start
	h.srv = rc.impl.New(rc.cfg, h)
	return h
}

// raftHost is one server: Raft plus a service whose state is the number of
// the last applied entry and a hash of every command up to it.
type raftHost struct {
	rc      *raftCluster
	srv     Server
	id      node.ID
	index   int
	hash    uint64
	booting bool // handling its Start event
	// restoredAt is the index of the snapshot this incarnation restored
	// from its own disk at boot, 0 for none.
	restoredAt int
}

func (h *raftHost) Handle(env node.Env, ev node.Event) {
	start, booting := ev.(*node.Start)
	if booting {
		h.id = env.Self()
		h.rc.hosts[h.id] = h
		h.rc.boots[h.id]++
		h.rc.applied[h.id] = 0
		h.booting = true
		defer func() { h.booting = false }()
	}
	if m, ok := ev.(*node.Recv); ok {
		h.rc.countRecv(m.From, env.Self(), m.Msg)
		h.rc.delivered(m.From, env.Self(), m.Msg)
	}
	h.srv.Handle(h.rc.env(h, env), ev)
	if booting && start.Restarted {
		// Booted (not refused over a damaged disk, which panics out of
		// Handle): the new incarnation must hold what the old ones said.
		h.rc.checkRevealed(h)
	}
}

func commandHash(cmd []byte) uint64 {
	f := fnv.New64a()
	f.Write(cmd)
	return f.Sum64()
}

// ApplyCommand implements Applier.
func (h *raftHost) ApplyCommand(env node.Env, index, term int, cmd []byte) {
	rc := h.rc
	if index != h.index+1 && rc.failure == nil {
		rc.failure = fmt.Errorf("server %s applied index %d after %d: applied indices must be contiguous", rc.w.Name(h.id), index, h.index)
	}
	if err := rc.check.Applied(int(h.id), index, cmd); err != nil && rc.failure == nil {
		rc.failure = err
	}
	h.index, h.hash = index, node.Mix(h.hash, commandHash(cmd))
	if index == len(rc.hashes) {
		rc.hashes = append(rc.hashes, h.hash)
	}
	rc.applied[h.id] = index
	if rc.snapEvery > 0 && index%rc.snapEvery == 0 {
		snap := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(index)), h.hash)
		h.srv.Snapshot(rc.env(h, env), index, snap)
	}
}

// ApplySnapshot implements Applier.
func (h *raftHost) ApplySnapshot(env node.Env, index, term int, snap []byte) {
	rc := h.rc
	if len(snap) != 16 || int(binary.BigEndian.Uint64(snap)) != index {
		rc.failure = fmt.Errorf("server %s got a snapshot for index %d that says %x", rc.w.Name(h.id), index, snap)
		return
	}
	if h.booting {
		h.restoredAt = index
	} else {
		rc.installs++
	}
	h.index, h.hash = index, binary.BigEndian.Uint64(snap[8:])
	if index < len(rc.hashes) && rc.hashes[index] != h.hash && rc.failure == nil {
		rc.failure = fmt.Errorf("state machine safety: server %s installed a snapshot at %d whose state differs from what was applied up to %d", rc.w.Name(h.id), index, index)
	}
	rc.applied[h.id] = index
}

// env is the Env server h's Raft sees.
func (rc *raftCluster) env(h *raftHost, env node.Env) node.Env {
	if rc.wrapEnv != nil {
		env = rc.wrapEnv(h, env)
	}
	if rc.impl.Reveals == nil {
		return env // nothing to note (etcd's host)
	}
	return revealEnv{env, h}
}

// observe runs after every event: the consensus invariants over every
// running server, and any violation the services reported.
func (rc *raftCluster) observe() error {
	if rc.failure != nil {
		return rc.failure
	}
	rc.views = rc.views[:0]
	for _, id := range rc.ids {
		h, ok := rc.host(id)
		if !ok {
			continue
		}
		v := h.srv.Log()
		v.Node, v.Incarnation = int(id), rc.boots[id]
		rc.views = append(rc.views, v)
		if v.Leader {
			if err := rc.checkElected(id, v.Term); err != nil {
				return err
			}
		}
	}
	return rc.check.Observe(rc.views)
}

// checkAnchored reports, as an undecided check, observations of a server
// whose log the consensus checker could not tie to entries it saw.
func (rc *raftCluster) checkAnchored() {
	if n := rc.check.Unanchored(); n > 0 {
		rc.c.Unknownf("%d observations of a server holding a snapshot the checker could not tie to entries it saw: log matching went unchecked for them", n)
	}
}

func (rc *raftCluster) host(id node.ID) (*raftHost, bool) {
	h, ok := rc.w.Handler(id).(*raftHost)
	return h, ok && h.id == id
}

// --- network and faults, lab style ---------------------------------------
//
// Every fault goes through the run's schedule (Case.Fault): it is printed
// with the run, and -faults replays or replaces it. A fault aimed at the
// server leading at that moment names the role "leader", so an edited
// schedule still hits whoever leads then.

// disconnect cuts servers off from every other server.
func (rc *raftCluster) disconnect(ids ...node.ID) {
	for _, id := range ids {
		rc.Fault("disconnect", rc.w.Name(id))
	}
}

// connect reconnects servers.
func (rc *raftCluster) connect(ids ...node.ID) {
	for _, id := range ids {
		rc.Fault("connect", rc.w.Name(id))
	}
}

// connected reports whether a server is not disconnected.
func (rc *raftCluster) connected(id node.ID) bool { return !rc.w.Net().Disconnected(id) }

// crash crashes servers that are up; restart brings back those that are
// down, from their disk. (A schedule crashes only what is up and restarts
// only what is down.)
func (rc *raftCluster) crash(ids ...node.ID) {
	for _, id := range ids {
		if rc.w.Up(id) {
			rc.Fault("crash", rc.w.Name(id))
		}
	}
}

func (rc *raftCluster) restart(ids ...node.ID) {
	for _, id := range ids {
		if !rc.w.Up(id) {
			rc.Fault("restart", rc.w.Name(id))
		}
	}
	rc.Run(time.Millisecond) // deliver their Start
}

// toLeader applies op ("disconnect", "crash") to the server leading now,
// by role, and returns it; want, unless node.None, is the server the
// script expects to lead, and the call fails the run if another does.
func (rc *raftCluster) toLeader(op string, want node.ID) node.ID {
	l := rc.leaderNow()
	if l == node.None || want != node.None && l != want {
		rc.c.Must(fmt.Errorf("harness: %s leader: the leader now is %v, the script expected %v", op, l, want))
	}
	rc.Fault(op, "leader")
	return l
}

// leaderNow is the server the "leader" role names: among the running,
// connected servers that believe they lead, those of the latest term, the
// first in ID order; node.None if none does.
func (rc *raftCluster) leaderNow() node.ID {
	ls := rc.leaders()
	latest := -1
	for term := range ls {
		latest = max(latest, term)
	}
	if latest < 0 {
		return node.None
	}
	return ls[latest][0]
}

// --- observing the cluster ----------------------------------------------

// leaders returns the connected, running servers that believe they lead,
// by term.
func (rc *raftCluster) leaders() map[int][]node.ID {
	out := map[int][]node.ID{}
	for _, id := range rc.ids {
		if h, ok := rc.host(id); ok && rc.connected(id) {
			if term, isLeader := h.srv.State(); isLeader {
				out[term] = append(out[term], id)
			}
		}
	}
	return out
}

// checkOneLeader looks, every 450-550 ms for up to 10 tries and 5 s, for
// exactly one leader among the connected servers in the latest term that
// has one, and returns it. Waiting before looking lets stale leaders hear
// of newer terms, as the classic lab's check does.
func (rc *raftCluster) checkOneLeader() node.ID {
	rc.markWait()
	r := rc.c.Rand("checkOneLeader")
	deadline := rc.w.Now() + leaderWithin
	for try := 0; try < 10 && rc.w.Now() < deadline; try++ {
		rc.Run(min(r.Duration(450*time.Millisecond, 550*time.Millisecond), deadline-rc.w.Now()))
		ls := rc.leaders()
		latest := -1
		for term := range ls {
			latest = max(latest, term)
		}
		if latest >= 0 && len(ls[latest]) > 1 {
			rc.c.Must(fmt.Errorf("term %d has %d leaders: %v", latest, len(ls[latest]), ls[latest]))
		}
		if latest >= 0 {
			return ls[latest][0]
		}
	}
	rc.c.Stuckf("no leader among the connected servers within 5 s")
	return node.None
}

// leaderWithin is how long checkOneLeader waits for a leader: the "within
// 5 s" of the election scenarios' summaries.
const leaderWithin = 5 * time.Second

// checkNoLeader fails if a connected server believes it leads.
func (rc *raftCluster) checkNoLeader() {
	ls := rc.leaders()
	for _, term := range node.SortedKeys(ls) {
		rc.c.Failf("server %v leads term %d although no majority is connected", ls[term], term)
	}
}

// checkTerms returns the term the connected servers agree on, failing if
// they disagree.
func (rc *raftCluster) checkTerms() int {
	term := -1
	for _, id := range rc.ids {
		if h, ok := rc.host(id); ok && rc.connected(id) {
			t, _ := h.srv.State()
			if term >= 0 && t != term {
				rc.c.Must(fmt.Errorf("servers disagree on the term: %d and %d", term, t))
			}
			term = t
		}
	}
	return term
}

// nCommitted returns how many servers have applied index, and the command
// applied there.
func (rc *raftCluster) nCommitted(index int) (int, []byte) {
	n := 0
	for _, id := range rc.ids {
		if _, ok := rc.host(id); ok && rc.applied[id] >= index {
			n++
		}
	}
	cmd, _ := rc.check.AppliedCommand(index)
	b, _ := cmd.([]byte)
	return n, b
}

// num is the command for a number: its decimal digits.
func num(x int) []byte { return strconv.AppendInt(nil, int64(x), 10) }

// label shortens a command for a trace label or a message.
func label(cmd []byte) string {
	if len(cmd) > 24 {
		return fmt.Sprintf("%.24q… (%d bytes)", cmd, len(cmd))
	}
	return fmt.Sprintf("%q", cmd)
}

// start asks server id to start cmd, as a client on that server would.
func (rc *raftCluster) start(id node.ID, cmd []byte) (index, term int, ok bool) {
	h, up := rc.host(id)
	if !up {
		return 0, 0, false
	}
	rc.w.Invoke(id, "Start("+label(cmd)+")", func(env node.Env) {
		index, term, ok = h.srv.Start(rc.env(h, env), cmd)
	})
	return index, term, ok
}

// one submits cmd to whichever server leads, retrying for up to 10 s, and
// waits until at least expected servers have applied it; it returns the
// index. With retry false it gives up after the first leader accepted cmd
// but it did not commit in 2 s.
func (rc *raftCluster) one(cmd []byte, expected int, retry bool) int {
	rc.markWait()
	deadline := rc.w.Now() + 10*time.Second
	next := 0
	for rc.w.Now() < deadline {
		index := -1
		for k := 0; k < len(rc.ids); k++ {
			id := rc.ids[(next+k)%len(rc.ids)]
			if !rc.connected(id) {
				continue
			}
			if i, _, ok := rc.start(id, cmd); ok {
				index, next = i, (next+k+1)%len(rc.ids)
				break
			}
		}
		if index < 0 {
			rc.Run(50 * time.Millisecond)
			continue
		}
		committed := false
		_ = rc.w.RunUntil(func() bool {
			n, got := rc.nCommitted(index)
			committed = n >= expected && bytes.Equal(got, cmd)
			return committed
		}, 2*time.Second, "agreement")
		if committed {
			return index
		}
		if !retry {
			rc.c.Stuckf("one(%s) failed to reach agreement on %d servers", label(cmd), expected)
		}
	}
	rc.c.Stuckf("one(%s) failed to reach agreement on %d servers within 10 s", label(cmd), expected)
	return 0
}

// wait waits for index to be applied by at least n servers; it gives up
// early (returning nil) if some server moves past startTerm, since then
// the command may never commit.
func (rc *raftCluster) wait(index, n, startTerm int) []byte {
	rc.markWait()
	var cmd []byte
	err := rc.w.RunUntil(func() bool {
		got, c := rc.nCommitted(index)
		if got >= n {
			cmd = c
			if cmd == nil {
				cmd = []byte{} // applied, with no command
			}
			return true
		}
		if startTerm >= 0 {
			for _, id := range rc.ids {
				if h, ok := rc.host(id); ok {
					if t, _ := h.srv.State(); t > startTerm {
						return true
					}
				}
			}
		}
		return false
	}, 10*time.Second, fmt.Sprintf("index %d applied by %d servers", index, n))
	rc.c.Must(err)
	return cmd
}
