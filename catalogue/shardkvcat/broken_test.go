package shardkvcat

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/rsm"
	"github.com/simlab-go/simlab/systems/shardctrler"
	"github.com/simlab-go/simlab/systems/shardkv"
)

// Broken replica groups, built from outside the system: each wraps a
// group server's node, feeding it or keeping from it messages, as the
// classic mistakes would look to its peers.

// wrapped is a group server with hook run around every event.
type wrapped struct {
	s    *shardkv.Server
	hook hook
}

func (h *wrapped) Unwrap() node.Handler { return h.s }

func (h *wrapped) Handle(env node.Env, ev node.Event) {
	if ev, ok := h.hook(h.s, env, ev); ok {
		h.s.Handle(env, ev)
	}
}

// hook is a broken variant's view of one incarnation's events: it may
// handle the event itself, change it, or let it through (true).
type hook func(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool)

// brokenServer builds servers wrapped in newHook(), one per incarnation.
func brokenServer(newHook func() hook) func(shardkv.ServerConfig) node.Factory {
	return func(cfg shardkv.ServerConfig) node.Factory {
		inner := shardkv.NewServer(cfg)
		return func() node.Handler { return &wrapped{s: inner().(*shardkv.Server), hook: newHook()} }
	}
}

// serveBeforeData: a group takes a shard it is given as arrived at once,
// empty, instead of waiting for its data from the previous owner.
func serveBeforeData() hook {
	faked := map[[2]int]bool{} // (configuration, shard) taken as arrived
	return func(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
		s.Handle(env, ev)
		switch {
		case s.Raft() != nil:
			if _, leads := s.Raft().State(); !leads {
				return nil, false
			}
		case s.PaxosLog() == nil:
			return nil, false // down; on Paxos every server drives pulls
		}
		cfg := s.Config()
		for i := range cfg.Shards {
			if s.ShardState(i) == shardkv.Pulling && !faked[[2]int{cfg.Num, i}] {
				faked[[2]int{cfg.Num, i}] = true
				s.Handle(env, &node.Recv{From: env.Self(), Msg: shardkv.PullReply{ConfigNum: cfg.Num, Shard: i, OK: true}})
			}
		}
		return nil, false
	}
}

// forgetDedup: a group installs a moved shard without its
// duplicate-detection table, so a request retried across the move applies
// twice.
func forgetDedup(_ *shardkv.Server, _ node.Env, ev node.Event) (node.Event, bool) {
	if m, ok := ev.(*node.Recv); ok {
		if r, ok := m.Msg.(shardkv.PullReply); ok {
			r.Data.Clients, r.Data.Records = nil, nil
			return &node.Recv{From: m.From, Msg: r}, true
		}
	}
	return ev, true
}

// keepMoved: a group told that a shard it gave away has arrived keeps a
// copy of it on its disk instead of letting it go.
func keepMoved(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	if m, ok := ev.(*node.Recv); ok {
		if del, ok := m.Msg.(shardkv.DeleteReq); ok && s.Config().Num == del.ConfigNum && s.ShardState(del.Shard) == shardkv.Leaving {
			var copy shardkv.ShardData
			s.Handle(capture{env, &copy}, &node.Recv{From: env.Self(), Msg: shardkv.PullReq(del)})
			var b strings.Builder
			for i, k := range copy.Keys {
				b.WriteString(k + "=" + copy.Values[i] + "\n")
			}
			d := env.Disk()
			d.WriteFile(fmt.Sprintf("kept-%d-%d", del.ConfigNum, del.Shard), []byte(b.String()))
			d.Sync()
		}
	}
	return ev, true
}

// clientRequest is the client operation an event delivers, if it is one.
func clientRequest(ev node.Event) (*node.Recv, rsm.Request, shardkv.Op, bool) {
	m, ok := ev.(*node.Recv)
	if !ok {
		return nil, rsm.Request{}, shardkv.Op{}, false
	}
	req, ok := m.Msg.(rsm.Request)
	if !ok {
		return nil, rsm.Request{}, shardkv.Op{}, false
	}
	op, ok := req.Op.(shardkv.Op)
	return m, req, op, ok
}

// staleReads: a group keeps answering reads of a shard it has given away,
// from its frozen copy, until the copy is deleted.
func staleReads(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	m, req, op, ok := clientRequest(ev)
	cfg := s.Config()
	shard := shardkv.Key2Shard(op.Key, len(cfg.Shards))
	if !ok || op.Kind != shardkv.Get || s.ShardState(shard) != shardkv.Leaving {
		return ev, true
	}
	var frozen shardkv.ShardData
	s.Handle(capture{env, &frozen}, &node.Recv{From: env.Self(), Msg: shardkv.PullReq{ConfigNum: cfg.Num, Shard: shard}})
	res := shardkv.Result{GID: s.GID(), ConfigNum: cfg.Num, Shard: shard}
	for i, k := range frozen.Keys {
		if k == op.Key {
			res.Value = frozen.Values[i]
		}
	}
	env.Send(m.From, rsm.Reply{ClientID: req.ClientID, Seq: req.Seq, Result: res})
	return nil, false
}

// ackGivenAway: a group keeps acknowledging Puts and Appends of a shard it
// has given away, without applying them (the frozen copy takes no
// writes), as if it served the shard until the new owner pulled it.
func ackGivenAway(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	m, req, op, ok := clientRequest(ev)
	if !ok || op.Kind == shardkv.Get {
		return ev, true
	}
	cfg := s.Config()
	shard := shardkv.Key2Shard(op.Key, len(cfg.Shards))
	if s.ShardState(shard) != shardkv.Leaving {
		return ev, true
	}
	env.Send(m.From, rsm.Reply{ClientID: req.ClientID, Seq: req.Seq, Result: shardkv.Result{GID: s.GID(), ConfigNum: cfg.Num, Shard: shard}})
	return nil, false
}

// snapshotWithoutDedup: a restarted server finds its snapshot without the
// shards' duplicate-detection tables, as if they were never put in it, so
// a write applied before the snapshot and retried after the restart
// applies again.
func snapshotWithoutDedup(s *shardkv.Server, env node.Env, ev node.Event) (node.Event, bool) {
	if st, ok := ev.(*node.Start); ok && st.Restarted {
		s.Handle(dedupStripEnv{env}, ev)
		return nil, false
	}
	return ev, true
}

// dedupStripEnv hands a booting server a disk whose snapshot reads back
// without duplicate tables.
type dedupStripEnv struct{ node.Env }

// Disk is the node's disk, whose snapshots read back stripped.
func (e dedupStripEnv) Disk() node.Disk { return dedupStripDisk{e.Env.Disk()} }

// dedupStripDisk is a disk whose snapshot files read back without
// duplicate tables (stripDedup).
type dedupStripDisk struct{ node.Disk }

// ReadFile reads a file, a snapshot stripped.
func (d dedupStripDisk) ReadFile(name string) ([]byte, error) {
	b, err := d.Disk.ReadFile(name)
	if err != nil {
		return b, err
	}
	return stripDedup(name, b), nil
}

// stripDedup removes every shard's duplicate table from a snapshot file of
// Raft (raft.snap.G: one framed record of rsm's snapshot) or of paxoslog
// (paxoslog.snap: one framed record of the instance, then rsm's
// snapshot); other files, and anything that does not decode, come back as
// they are. It reads the formats by their field names, as gob does.
func stripDedup(name string, b []byte) []byte {
	var lead []byte
	switch {
	case strings.HasPrefix(name, "raft.snap."):
	case name == "paxoslog.snap":
	default:
		return b
	}
	payload, ok := unframe(b)
	if !ok {
		return b
	}
	if name == "paxoslog.snap" {
		_, n := binary.Varint(payload)
		if n <= 0 {
			return b
		}
		lead, payload = payload[:n], payload[n:]
	}
	var outer struct {
		State     []byte
		ClientIDs []uint64
	}
	var inner struct {
		Config, Prev shardctrler.Config
		States       []shardkv.State
		Shards       []shardkv.ShardData
	}
	if gob.NewDecoder(bytes.NewReader(payload)).Decode(&outer) != nil || gob.NewDecoder(bytes.NewReader(outer.State)).Decode(&inner) != nil {
		return b
	}
	for i := range inner.Shards {
		inner.Shards[i].Clients, inner.Shards[i].Records = nil, nil
	}
	var st, out bytes.Buffer
	if gob.NewEncoder(&st).Encode(inner) != nil {
		return b
	}
	outer.State = st.Bytes()
	if gob.NewEncoder(&out).Encode(outer) != nil {
		return b
	}
	return frameOf(append(lead, out.Bytes()...))
}

// frameMask is systems/internal/frame's checksum mask: a record is its
// length, a CRC-32C over length and payload XORed with it, then the
// payload.
const frameMask = 0x9e3779b9

// frameSum is a record's checksum.
func frameSum(length, payload []byte) uint32 {
	t := crc32.MakeTable(crc32.Castagnoli)
	return crc32.Update(crc32.Update(0, t, length), t, payload) ^ frameMask
}

// unframe is the payload of a file holding one framed record.
func unframe(b []byte) ([]byte, bool) {
	if len(b) < 8 || int(binary.BigEndian.Uint32(b[:4])) != len(b)-8 {
		return nil, false
	}
	payload := b[8:]
	return payload, frameSum(b[:4], payload) == binary.BigEndian.Uint32(b[4:8])
}

// frameOf is the framed record of payload.
func frameOf(payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, frameSum(b, payload))
	return append(b, payload...)
}

// capture keeps a PullReply the server sends instead of sending it.
type capture struct {
	node.Env
	into *shardkv.ShardData
}

func (e capture) Send(to node.ID, msg any) {
	if r, ok := msg.(shardkv.PullReply); ok && to == e.Self() {
		*e.into = r.Data
		return
	}
	e.Env.Send(to, msg)
}

// TestBrokenGroupsAreCaught runs each broken group against the scenario
// that should catch it, within a stated number of seeds, and requires the
// correct store to pass the seed that caught it.
func TestBrokenGroupsAreCaught(t *testing.T) {
	tests := []struct {
		bug         string
		hook        func() hook
		scenario    string
		withinSeeds uint64 // on either log; the figures measured on Raft are in README.md
		want        string // in the failure
	}{
		{"serving a shard before its data arrives", serveBeforeData, "shardkv/join-leave", 3, "get("},
		{"not moving duplicate-detection state", func() hook { return forgetDedup }, "shardkv/unreliable-appends", 5, "at most one application per write: shard"},
		{"not deleting moved shards", func() hook { return keepMoved }, "shardkv/delete", 3, "moved shards are kept"},
		{"serving reads of a shard given away", func() hook { return staleReads }, "shardkv/unreliable-random", 20, "one owner per shard per configuration: group"},
		{"acknowledging writes to a shard given away", func() hook { return ackGivenAway }, "shardkv/concurrent-churn", 10, "one owner per shard per configuration: group"},
		{"snapshots without the duplicate tables", func() hook { return snapshotWithoutDedup }, "shardkv/concurrent-restarts", 5, "at most one application per write: shard"},
	}
	for _, tt := range tests {
		for _, log := range []string{"raft", "paxos"} {
			t.Run(tt.bug+" on "+log, func(t *testing.T) {
				opts := scenarios.Options{Params: map[string]string{"log": log}}
				broken := scenariotest.Broken(t, skvScenarios(brokenServer(tt.hook)), tt.scenario)
				seed, out := scenariotest.FirstFailingSeed(t, broken, tt.withinSeeds, opts)
				if seed == 0 {
					t.Fatalf("%s caught nothing within %d seeds", tt.scenario, tt.withinSeeds)
				}
				msg := out.Failures[0].Msg
				t.Logf("%s caught it at seed %d, at %v: %s: %.300s", tt.scenario, seed, out.Failures[0].Time, out.Failures[0].Kind, msg)
				if !strings.Contains(msg, tt.want) {
					t.Errorf("caught by %q, want a failure saying %q", msg, tt.want)
				}
				if n := scenariotest.ShareSeeds(t); n > 0 {
					k, when := caughtShare(t, broken, n, opts)
					t.Logf("%s caught it at %d of seeds 1-%d (%.1f%%), at a median %v of virtual time", tt.scenario, k, n, 100*float64(k)/float64(n), when)
				}
				if good, err := scenarios.Run(tt.scenario, seed, opts); err != nil || !good.Passed {
					t.Fatalf("the correct store fails seed %d too: %v %+v", seed, err, good.Failures)
				}
			})
		}
	}
}

// caughtShare is scenariotest.FailingShare with the time of each catch: it
// runs s for seeds 1..n and returns how many runs failed, and the median
// virtual time of their first failure.
func caughtShare(t *testing.T, s scenarios.Scenario, n uint64, o scenarios.Options) (uint64, time.Duration) {
	t.Helper()
	o.TraceTail = -1
	var when []time.Duration
	for seed := uint64(1); seed <= n; seed++ {
		out, err := scenarios.RunScenario(s, seed, o)
		if err != nil {
			t.Fatal(err)
		}
		if !out.Passed {
			var at time.Duration
			if len(out.Failures) > 0 {
				at = out.Failures[0].Time
			}
			when = append(when, at)
		}
	}
	if len(when) == 0 {
		return 0, 0
	}
	slices.Sort(when)
	return uint64(len(when)), when[len(when)/2]
}
