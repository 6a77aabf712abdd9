package raftcat

import (
	"fmt"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
)

// maxRaftState is the bound on a server's persisted Raft state (without
// the snapshot) when the service snapshots every 10 entries.
const maxRaftState = 2000

func snapshotScenarios() []generic {
	var list []generic
	for _, v := range []struct {
		name, summary                 string
		disconnect, unreliable, crash bool
	}{
		{"snapshot-basic", "3 servers snapshotting every 10 entries agree on 30 rounds of commands", false, false, false},
		{"snapshot-install", "a follower cut off while the others snapshot past its log is brought back by a snapshot from the leader", true, false, false},
		{"snapshot-install-unreliable", "raft/snapshot-install on a network losing 10% and delaying up to 27 ms", true, true, false},
		{"snapshot-install-crash", "a follower crashed while the others snapshot past its log recovers through a snapshot from the leader", false, false, true},
		{"snapshot-install-unreliable-crash", "raft/snapshot-install-crash on a network losing 10% and delaying up to 27 ms", false, true, true},
		{"snapshot-disconnect-crash", "a follower both cut off and crashed while the others snapshot, on an unreliable network, recovers through a snapshot from the leader", true, true, true},
	} {
		list = append(list, generic{
			name: v.name,
			summary: v.summary + "; persisted Raft state stays under 2,000 bytes, every round agrees within 10 s" +
				map[bool]string{true: ", at least one snapshot is installed from a leader", false: ""}[v.disconnect || v.crash],
			run:   func(c *scenarios.Case, impl Impl) { runSnapshotRounds(c, impl, v.disconnect, v.unreliable, v.crash) },
			fixed: map[bool]string{true: "it checks that its own faults make a follower need a snapshot from the leader"}[v.disconnect || v.crash],
		})
	}
	return append(list, []generic{
		{
			name: "snapshot-all-crash",
			summary: "3 servers snapshotting every 10 entries: 5 rounds of commands (the first long enough for a snapshot) " +
				"then a crash of every server; each restart resumes from the server's snapshot, past the last index",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.snapEvery = 10
				r := c.Rand("cmds")
				rc.one(num(int(r.Uint64N(1<<31))), 3, true)
				for i := 0; i < 5; i++ {
					nn := rc.snapEvery/2 + r.IntN(rc.snapEvery)
					if i == 0 {
						nn = max(nn, rc.snapEvery) // a snapshot before the first crash
					}
					for k := 0; k < nn; k++ {
						rc.one(num(int(r.Uint64N(1<<31))), 3, true)
					}
					index1 := rc.one(num(int(r.Uint64N(1<<31))), 3, true)
					rc.crashAndRestoreAll(fmt.Sprintf("round %d", i), false)
					if index2 := rc.one(num(int(r.Uint64N(1<<31))), 3, true); index2 < index1+1 {
						c.Failf("after restarting all the next command went to index %d, not past %d", index2, index1)
					}
				}
			},
		},
		{
			name: "snapshot-init",
			summary: "3 servers restart twice from a snapshot with entries after it; nothing is applied twice and " +
				"agreement resumes each time",
			run: func(c *scenarios.Case, impl Impl) {
				rc := newRaftCluster(c, impl, sim.Config{}, 3, nil)
				rc.snapEvery = 10
				r := c.Rand("cmds")
				rc.one(num(int(r.Uint64N(1<<31))), 3, true)
				for i := 0; i < rc.snapEvery+1; i++ {
					rc.one(num(int(r.Uint64N(1<<31))), 3, true)
				}
				for round := 0; round < 2; round++ {
					rc.crashAndRestoreAll(fmt.Sprintf("restart %d", round+1), true)
					rc.one(num(int(r.Uint64N(1<<31))), 3, true)
				}
			},
		},
	}...)
}

// crashAndRestoreAll crashes every server, restarts them all, and fails
// the run (naming when) unless each restored a snapshot from its own disk,
// with entries of its log after it if entriesAfter.
func (rc *raftCluster) crashAndRestoreAll(when string, entriesAfter bool) {
	for _, id := range rc.ids {
		rc.crash(id)
	}
	for _, id := range rc.ids {
		rc.restart(id)
	}
	for _, id := range rc.ids {
		h, ok := rc.host(id)
		switch {
		case !ok:
			rc.c.Failf("%s: %s did not come back", when, rc.w.Name(id))
		case h.restoredAt == 0:
			rc.c.Failf("%s: %s restarted without restoring a snapshot from its disk", when, rc.w.Name(id))
		case entriesAfter && h.srv.Log().LastIndex <= h.restoredAt:
			rc.c.Failf("%s: %s restored a snapshot at %d with no entries after it (its log ends at %d)", when, rc.w.Name(id), h.restoredAt, h.srv.Log().LastIndex)
		}
	}
}

// watchPersistedSize fails the run as soon as a running server persists
// more than maxRaftState bytes of Raft state (its snapshot excluded).
func (rc *raftCluster) watchPersistedSize() {
	rc.w.Observe("raft state size", func() error {
		for _, id := range rc.ids {
			if h, ok := rc.host(id); ok && h.srv.PersistedSize() > maxRaftState {
				return fmt.Errorf("%s persists %d bytes of Raft state, more than %d", rc.w.Name(id), h.srv.PersistedSize(), maxRaftState)
			}
		}
		return nil
	})
}

// runSnapshotRounds is the classic lab's snapshot test: 30 rounds of
// starting 5-15 commands on a leader or follower while a victim is cut off
// or crashed, the services snapshotting every 10 entries, the persisted
// Raft state watched after every event (the lab looks at the end of each
// round).
func runSnapshotRounds(c *scenarios.Case, impl Impl, disconnect, unreliable, crash bool) {
	cfg := sim.Config{}
	if unreliable {
		cfg.Link = &unreliableLink
	}
	const n = 3
	rc := newRaftCluster(c, impl, cfg, n, nil)
	rc.snapEvery = 10
	rc.watchPersistedSize()
	r := c.Rand("cmds")
	cmd := func() []byte { return num(int(r.Uint64N(1 << 31))) }
	rc.one(cmd(), n, true)
	leader1 := rc.checkOneLeader()
	for i := 0; i < 30; i++ {
		victim, sender := rc.ids[(int(leader1)+1)%n], leader1
		if i%3 == 1 {
			victim, sender = sender, victim
		}
		if disconnect {
			rc.disconnect(victim)
			rc.one(cmd(), n-1, true)
		}
		if crash {
			rc.crash(victim)
			rc.one(cmd(), n-1, true)
		}
		for k, nn := 0, rc.snapEvery/2+r.IntN(rc.snapEvery); k < nn; k++ {
			rc.start(sender, cmd())
		}
		if !disconnect && !crash {
			rc.one(cmd(), n, true)
		} else {
			rc.one(cmd(), n-1, true)
		}
		if crash {
			rc.restart(victim)
		}
		if disconnect {
			rc.connect(victim)
		}
		if disconnect || crash {
			rc.one(cmd(), n, true)
			leader1 = rc.checkOneLeader()
		}
	}
	if (disconnect || crash) && rc.installs == 0 {
		c.Check(fmt.Errorf("no server installed a snapshot from a leader: the scenario did not exercise snapshot installation"))
	}
}
