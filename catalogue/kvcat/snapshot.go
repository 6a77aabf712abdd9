package kvcat

import (
	"fmt"
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/raft"
)

// kvMaxRaftState is the snapshot threshold of the kv snapshot scenarios.
const kvMaxRaftState = 1000

func init() {
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/snapshot-size",
		Summary: "3 servers snapshotting at 1,000 bytes of Raft state, one client putting 0 and 1 to one key 200 times: " +
			"persisted Raft state stays under 8,000 bytes and snapshots under 500; linearizable",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{}, 3, kvMaxRaftState, nil)
			kc.addClients(1, kvWorkload{keys: []string{"x"}, maxOps: 200, putOnly: true}, nil)
			kc.smallState = true
			watchRaftSize(c, kc)
			kc.Bind(nil)
			c.Must(kc.w.RunUntil(func() bool { return kc.clients[0].Idle }, 60*time.Second, "200 puts"))
			kc.finish(5 * time.Second)
			kc.requireSnapshots()
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/snapshot-install",
		Summary: "5 servers snapshotting at 1,000 bytes: a server cut off while the others compact past its log is " +
			"brought back by InstallSnapshot and, within 5 s of the heal, has applied everything committed while it was away; " +
			"linearizable; done within 10 s",
		FixedFaults: "it checks that its own partition makes a server need a snapshot",
		Run: func(c *scenarios.Case) {
			kc := newKVCluster(c, sim.Config{}, 5, kvMaxRaftState, nil)
			kc.addClients(3, kvMix, nil)
			watchRaftSize(c, kc)
			leader := kc.waitLeader()
			lagging := kc.servers[(int(leader)+1)%5]
			kc.Fault("isolate", kc.w.Name(lagging))
			kc.Run(3 * time.Second)
			kc.Fault("heal")
			committed := kc.commitIndex()
			kc.Run(2 * time.Second) // time to catch up
			s, _ := kc.server(lagging)
			if s.Raft().Stats().SnapshotsInstalled == 0 {
				c.Failf("%s caught up without an InstallSnapshot: the scenario did not exercise it", kc.w.Name(lagging))
			}
			// Rejoining, it may call an election first (it timed out
			// while cut off): catching up took up to 1 s over seeds 1–200.
			caughtUp := func() bool {
				s, ok := kc.server(lagging)
				return ok && s.Raft().Status().LastApplied >= committed
			}
			c.Check(kc.RunUntil(caughtUp, 3*time.Second, fmt.Sprintf("%s applying the %d entries committed while it was cut off", kc.w.Name(lagging), committed)))
			kc.finish(10 * time.Second)
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/snapshot-crash",
		Params:    append(kvWorkParams(5), kvRounds, kvLogParam),
		Summary: "5 servers snapshotting at 1,000 bytes, 5 clients, every server crashed and restarted every second " +
			"for 5 s: recovery from snapshots (some restart restores one from disk); Raft state under 8,000 bytes; " +
			"linearizable; done within 10 s",
		Run: func(c *scenarios.Case) {
			kc := runKVCrashRounds(c, sim.Config{}, kvMaxRaftState, false, false)
			kc.requireSnapshots()
			kc.requireRestores()
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/snapshot-all",
		Params:    append(kvWorkParams(5), kvRounds, kvLogParam),
		Summary: "5 servers snapshotting at 1,000 bytes, 5 clients on an unreliable network until a server has " +
			"snapshotted (within 10 s), then crashes of all servers and changing partitions too for 5 s; " +
			"linearizable; done within 10 s",
		Run: func(c *scenarios.Case) {
			runKVCrashRounds(c, sim.Config{Link: &lossyDupLink}, kvMaxRaftState, true, true).requireSnapshots()
		},
	})
	scenarios.Register(scenarios.Scenario{
		Histories: true,
		Name:      "kv/swarm",
		Params:    append(kvWorkParams(5), kvMixParam, kvLogParam),
		Summary: "5 servers, 5 clients under a swarm profile drawn from the seed (see faults.DrawProfile): any number " +
			"of servers down at once, a damaged one refusing to start for good, the log's answers and the store's replies held back or duplicated by type; snapshots, " +
			"PreVote and CheckQuorum drawn too; for 6 s, then calm: linearizable, and every client done within 10 s",
		Run: func(c *scenarios.Case) { runKVSwarm(c, kv.NewServer) },
	})
}

// kvSwarmFaultEnd is when kv/swarm's fault phase ends, in calm.
const kvSwarmFaultEnd = 6 * time.Second

// runKVSwarm is kv/swarm over servers built by server.
func runKVSwarm(c *scenarios.Case, server kvServer) {
	r := c.Rand("swarm")
	maxState := 0
	if r.Chance(0.5) {
		maxState = kvMaxRaftState
	}
	preVote, checkQuorum := r.Chance(0.5), r.Chance(0.5)
	kc := newKVClusterOf(c, server, sim.Config{}, 5, maxState, func(cfg *raft.Config) { cfg.PreVote, cfg.CheckQuorum = preVote, checkQuorum })
	kc.addClients(c.IntParam("clients"), kvMixOf(c), nil)
	kc.Bind(nil)
	p := scenarios.DrawProfile(r)
	p.Types = append(kc.watch.Log().MsgTypes(), harness.TypeNames(kv.Reply{})...) // the log's answers, and the store's to its clients
	c.Apply(kc.w, p.Schedule(c.Rand("faults"), kc.names, len(kc.names), 100*time.Millisecond, kvSwarmFaultEnd))
	kc.Run(kvSwarmFaultEnd + time.Millisecond)
	kc.finish(10 * time.Second)
}

// watchRaftSize checks after every event that no server's persisted Raft
// state exceeds 8 × kvMaxRaftState and no snapshot 500 bytes.
func watchRaftSize(c *scenarios.Case, kc *kvCluster) {
	kc.w.Observe("raft state and snapshot size", func() error {
		for _, id := range kc.servers {
			if s, ok := kc.server(id); ok && s.PaxosLog() != nil {
				// On Paxos: what the log keeps past its snapshot, and the
				// snapshot itself.
				if n := s.PaxosLog().PersistedSize(); n > 8*kvMaxRaftState {
					return fmt.Errorf("%s keeps %d bytes of entries past its snapshot, more than 8 × %d", kc.w.Name(id), n, kvMaxRaftState)
				}
				if n := s.PaxosLog().SnapshotSize(); n > 500 && kc.smallState {
					return fmt.Errorf("%s holds a %d-byte snapshot of a small state, more than 500", kc.w.Name(id), n)
				}
			}
			if s, ok := kc.server(id); ok && s.Raft() != nil {
				if n := s.Raft().PersistedSize(); n > 8*kvMaxRaftState {
					return fmt.Errorf("%s persists %d bytes of Raft state, more than 8 × %d", kc.w.Name(id), n, kvMaxRaftState)
				}
				if n := s.Raft().SnapshotSize(); n > 500 && kc.smallState {
					return fmt.Errorf("%s holds a %d-byte snapshot of a small state, more than 500", kc.w.Name(id), n)
				}
			}
		}
		return nil
	})
}

// requireSnapshots fails the run if no server ever compacted its log: the
// scenario would not have tested snapshots. Under a schedule given with
// -faults it only says so.
func (kc *kvCluster) requireSnapshots() {
	if !kc.watch.SawSnapshot {
		kc.notExercised("no server ever held a snapshot: the scenario did not exercise snapshots")
	}
}

// requireRestores fails the run if no server restored a snapshot from its
// disk as it restarted: the scenario would not have tested recovery from
// snapshots. Under a schedule given with -faults it only says so.
func (kc *kvCluster) requireRestores() {
	if kc.restores == 0 {
		kc.notExercised("no server restored a snapshot from its disk as it restarted: the scenario did not exercise recovery from snapshots")
	}
	kc.c.Reportf("%d restarts restored a snapshot from disk", kc.restores)
}

// notExercised fails the run for not having done what its scenario is
// about; under a schedule given with -faults, which may well keep it from
// happening, it reports it instead.
func (kc *kvCluster) notExercised(msg string) {
	if kc.c.FaultsReplaced() {
		kc.c.Reportf("%s (the faults came from -faults)", msg)
		return
	}
	kc.c.Failf("%s", msg)
}

// untilSnapshot runs the world, the clients working, until some server
// holds a snapshot, for at most limit; it fails the run if none does, but
// under a schedule given with -faults goes on regardless.
func (kc *kvCluster) untilSnapshot(limit time.Duration) {
	err := kc.RunUntil(func() bool { return kc.watch.SawSnapshot }, limit, "a first snapshot")
	if kc.w.Err() != nil || !kc.c.FaultsReplaced() {
		kc.c.Must(err)
	}
}

// commitIndex is the highest commit index among the running servers.
func (kc *kvCluster) commitIndex() int {
	most := 0
	for _, id := range kc.servers {
		if rf, ok := kc.watch.Raft(id); ok {
			most = max(most, rf.Status().CommitIndex)
		}
	}
	return most
}
