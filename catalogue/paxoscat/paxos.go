package paxoscat

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/systems/paxos"
)

// pxLimit bounds how long an agreement may take on a quiet network.
const pxLimit = 10 * time.Second

var instancesParam = scenarios.Param{Name: "instances", Default: "50", Doc: "instances to agree on", Min: 1, Max: 100000, Shrink: true}

func init() {
	for _, s := range pxScenarios(nil) {
		scenarios.Register(s)
	}
}

// pxCat builds the catalogue's clusters; tweak, when set, changes each
// cluster before its peers start (a broken variant, in tests).
type pxCat struct{ tweak func(*pxCluster) }

func (m pxCat) cluster(c *scenarios.Case, cfg sim.Config, n int) *pxCluster {
	pc := newPxCluster(c, cfg, n)
	if m.tweak != nil {
		m.tweak(pc)
	}
	return pc
}

// pxScenarios is the catalogue over clusters changed by tweak (nil: the
// correct peers).
func pxScenarios(tweak func(*pxCluster)) []scenarios.Scenario {
	m := pxCat{tweak}
	return []scenarios.Scenario{
		{Name: "paxos/basic",
			Summary: "3 peers: one proposer, then all three with the same value, then all three with different values: every peer decides, one of the values proposed",
			Run:     m.runBasic},
		{Name: "paxos/out-of-order",
			Summary: "3 peers: instances 7, 6, 5 started in that order, then 4 and 3 once 7 is decided: all decided by all, Max() 7 everywhere",
			Run:     m.runOutOfOrder},
		{Name: "paxos/deaf",
			Summary: "5 peers, 2 deaf (they drop every Decide): only the 3 that hear decide, until a deaf peer proposes and learns the decision from an acceptor",
			Run:     m.runDeaf},
		{Name: "paxos/forget",
			Summary: "6 peers: Min stays 0 until every peer has called Done(0), then reaches 1 everywhere; instances below it are forgotten; Max is unchanged by Done",
			Run:     m.runForget},
		{Name: "paxos/forget-unreliable", Params: []scenarios.Param{instancesParam},
			Summary: "3 peers on a network losing 10%, duplicating 10% and reordering: instances started by random peers and Done called as they are decided; all decided (or forgotten) by all; once every peer is done with them, Min reaches Max and at most 2 instances are retained",
			Run:     m.runForgetUnreliable},
		{Name: "paxos/memory",
			Summary: "3 peers agree on ten 1 MB values; once every peer is done with them, each peer holds at most 2 instances in memory and under 64 kB on disk",
			Run:     m.runMemory},
		{Name: "paxos/message-count",
			Summary:       "3 peers: at most 9 messages per uncontended agreement (10 in a row from one peer), at most 15 × 3 per agreement contended by all three",
			FixedFaults:   "its message bounds assume a network that loses and duplicates nothing",
			FixedStrategy: "its message bounds assume no message is held back past a retry",
			Run:           m.runMessageCount},
		{Name: "paxos/many", Params: []scenarios.Param{instancesParam},
			Summary: "3 peers, reliable network: instances started by random peers, several at a time: all decided by all within 10 s",
			Run:     func(c *scenarios.Case) { m.runMany(c, false) }},
		{Name: "paxos/many-unreliable", Params: []scenarios.Param{instancesParam},
			Summary: "3 peers on a network losing 10%, duplicating 10% and reordering 10%: instances started by random peers: all decided by all within 10 s of calm",
			Run:     func(c *scenarios.Case) { m.runMany(c, true) }},
		{Name: "paxos/dueling", Params: []scenarios.Param{{Name: "instances", Default: "30", Doc: "instances to agree on", Min: 1, Max: 100000, Shrink: true}},
			Summary: "5 peers on a network losing 20% and reordering 20%, every instance proposed by all five at once with five different values: each decided by all within 10 s of calm, with one of the five",
			Run:     m.runDueling},
		{Name: "paxos/minority",
			Summary:     "5 peers cut into a minority of 2 and a majority of 3: a proposal in the minority decides nothing, one in the majority is decided by at most 3; after healing all 5 decide both",
			FixedFaults: "it checks what its own partition lets be decided",
			Run:         m.runMinority},
		{Name: "paxos/partition",
			Summary:     "5 peers: no majority anywhere decides nothing; a majority of 3 decides with never more deciders than its size; a peer switching sides; after healing all decide",
			FixedFaults: "it checks what its own partitions let be decided",
			Run:         m.runPartition},
		{Name: "paxos/changing-partitions",
			Summary: "5 peers, a new partition of a shape drawn from the seed (a peer isolated, a majority and a minority, a one-way cut, a bridge or a ring) about every 700 ms for 20 s while random peers keep starting instances: after healing, all decided by all within 10 s",
			Run:     m.runChangingPartitions},
		{Name: "paxos/crash-restart",
			Summary: "5 peers crash (any number at once, half inside a handler, torn disk writes) and restart from their disks for 6 s while instances are started: agreement holds (promises survive), all decided by all within 10 s of calm",
			Run:     m.runCrashRestart},
		{Name: "paxos/damaged-disk",
			Summary: "3 peers: a value decided by two while the third is cut off; one of the two has its synced state damaged " +
				"(its meta file or its log: a flipped byte, a zeroed or truncated file or a lost one, drawn from the seed) while down: " +
				"it must refuse to start, naming the file, and stay down; with the other decider cut off, the third proposes another " +
				"value and must decide nothing; healed, it decides the first value",
			Run:         m.runDamagedDisk,
			FixedFaults: "it aims the damage at the acceptor whose forgotten acceptance would let a second value be chosen"},
		{Name: "paxos/swarm",
			Summary: "5 peers under a swarm profile drawn from the seed (see faults.DrawProfile): any number of peers down at once, promises, acceptances and decisions the message types aimed at, a peer whose synced state is damaged refusing to start and staying down, and in half the runs duels of three to five peers over one new instance; for 6 s of instances and Done calls, then calm: every instance decided (or forgotten) within 10 s by every peer but a refusing one",
			Run:     m.runSwarm},
	}
}

func (m pxCat) runBasic(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	pc.startAt(0, 0, "hello")
	pc.waitDecided(0, 3, pxLimit)
	if v := pc.value(0); v != "hello" {
		c.Failf("a lone proposer of \"hello\" got %q decided", v)
	}
	for i := range 3 {
		pc.startAt(i, 1, "77")
	}
	pc.waitDecided(1, 3, pxLimit)
	if v := pc.value(1); v != "77" {
		c.Failf("three proposers of \"77\" got %q decided", v)
	}
	proposed := []string{"100", "101", "102"}
	for i, v := range proposed {
		pc.startAt(i, 2, v)
	}
	pc.waitDecided(2, 3, pxLimit)
	if v := pc.value(2); !slices.Contains(proposed, v) {
		c.Failf("proposals %v got %q decided, which nobody proposed", proposed, v)
	}
}

func (m pxCat) runOutOfOrder(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	for i, seq := range []int{7, 6, 5} {
		pc.startAt(i, seq, fmt.Sprint(seq*100))
	}
	pc.waitDecided(7, 3, pxLimit)
	pc.startAt(0, 4, "400")
	pc.startAt(1, 3, "300")
	pc.waitAll([]int{3, 4, 5, 6, 7}, 3, pxLimit)
	for seq := 3; seq <= 7; seq++ {
		if v := pc.value(seq); v != fmt.Sprint(seq*100) {
			c.Failf("instance %d decided %q; its one proposer proposed %d", seq, v, seq*100)
		}
	}
	for i := range 3 {
		if px := pc.peer(i); px != nil && px.Max() != 7 {
			c.Failf("%s: Max() = %d; want 7", pc.names[i], px.Max())
		}
	}
}

func (m pxCat) runDeaf(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.deaf[3], pc.deaf[4] = true, true
	pc.start()
	pc.startAt(0, 0, "goodbye")
	pc.waitDecided(0, 3, pxLimit)
	pc.Run(time.Second)
	if n := pc.ndecided(0); n != 3 {
		c.Failf("%d peers decided instance 0 with two of five deaf; want the 3 that hear", n)
	}
	pc.deafUndecided(0)
	pc.startAt(1, 1, "xxx")
	pc.waitDecided(1, 3, pxLimit)
	pc.Run(time.Second)
	if n := pc.ndecided(1); n != 3 {
		c.Failf("%d peers decided instance 1; want 3", n)
	}
	pc.deafUndecided(1)
	pc.startAt(3, 1, "yyy")
	pc.waitDecided(1, 4, pxLimit)
	pc.startAt(4, 1, "zzz")
	pc.waitDecided(1, 5, pxLimit)
	if v := pc.value(1); v != "xxx" {
		c.Failf("instance 1 decided %q after the deaf peers proposed; it was decided \"xxx\" before", v)
	}
}

// deafUndecided fails the run if a deaf peer has decided seq: it proposed
// nothing, so only a Decide could have told it, and it drops them all.
func (pc *pxCluster) deafUndecided(seq int) {
	for i, deaf := range pc.deaf {
		if px := pc.peer(i); deaf && px != nil {
			if f, _ := px.Status(seq); f == paxos.Decided {
				pc.c.Failf("deaf %s decided instance %d without proposing: only the peers that hear may", pc.names[i], seq)
			}
		}
	}
}

func (m pxCat) runForget(c *scenarios.Case) {
	const n = 6
	pc := m.cluster(c, sim.Config{}, n)
	pc.start()
	for i := range n {
		if px := pc.peer(i); px != nil && px.Min() != 0 {
			c.Failf("%s: Min() = %d before anything; want 0", pc.names[i], px.Min())
		}
	}
	for seq := range 3 {
		pc.startAt(seq%n, seq, fmt.Sprint("x", seq))
	}
	pc.waitAll([]int{0, 1, 2}, n, pxLimit)
	for i := 0; i < n-1; i++ {
		pc.done(i, 0)
	}
	// Every peer but the last is done with 0: nobody may forget it. New
	// instances carry the Dones around.
	for i := range n {
		pc.startAt(i, 3, fmt.Sprint("y", i))
	}
	pc.waitDecided(3, n, pxLimit)
	pc.Run(time.Second)
	for i := range n {
		if px := pc.peer(i); px != nil && px.Min() != 0 {
			c.Failf("%s: Min() = %d while %s has not called Done; want 0", pc.names[i], px.Min(), pc.names[n-1])
		}
	}
	pc.done(n-1, 0)
	for i := range n {
		pc.startAt(i, 4, fmt.Sprint("z", i))
	}
	pc.waitDecided(4, n, pxLimit)
	err := pc.w.RunUntil(func() bool {
		for i := range n {
			if px := pc.peer(i); px != nil && px.Min() != 1 {
				return false
			}
		}
		return true
	}, pxLimit, "Min() reaching 1 at every peer")
	c.Must(err)
	for i := range n {
		px := pc.peer(i)
		if px == nil {
			continue
		}
		if f, _ := px.Status(0); f != paxos.Forgotten {
			c.Failf("%s: instance 0 is %v below Min 1; want forgotten", pc.names[i], f)
		}
		if px.Max() != 4 {
			c.Failf("%s: Max() = %d after Done; want 4", pc.names[i], px.Max())
		}
	}
}

// keepDone has every peer call Done on the instances it has seen decided,
// every interval, until the world reaches end.
func (pc *pxCluster) keepDone(interval, end time.Duration) {
	var tick func()
	tick = func() {
		for i := range pc.ids {
			px := pc.peer(i)
			if px == nil {
				continue
			}
			seq := pc.dones[i] + 1
			for {
				if f, _ := px.Status(seq); f != paxos.Decided {
					break
				}
				seq++
			}
			if seq-1 > pc.dones[i] {
				pc.done(i, seq-1)
			}
		}
		if pc.w.Now()+interval < end {
			pc.w.After(interval, "Done what is decided", tick)
		}
	}
	pc.w.After(interval, "Done what is decided", tick)
}

func (m pxCat) runForgetUnreliable(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	pc.Bind(scenarios.LinkSchedule(0, sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 2 * time.Millisecond, Loss: 0.1, Dup: 0.1, TailProb: 0.1, TailMean: 20 * time.Millisecond, TailMax: 200 * time.Millisecond}))
	n := c.IntParam("instances")
	const end = 5 * time.Second
	pc.keepDone(100*time.Millisecond, end)
	r := c.Rand("load")
	var seqs []int
	for seq := 0; seq < n; seq++ {
		pc.startAt(r.IntN(3), seq, fmt.Sprint("v", seq))
		seqs = append(seqs, seq)
		pc.Run(end / time.Duration(2*n))
	}
	pc.Fault("calm")
	pc.proposeUndecided(seqs) // a peer whose Decide was lost learns by proposing
	pc.waitAllOrForgotten(seqs, pxLimit)
	for i := range 3 {
		pc.done(i, n-1)
	}
	pc.startAt(0, n, "last")
	pc.waitDecided(n, 3, pxLimit)
	err := pc.w.RunUntil(func() bool {
		for i := range 3 {
			if px := pc.peer(i); px != nil && (px.Min() < n || px.Retained() > 2) {
				return false
			}
		}
		return true
	}, pxLimit, fmt.Sprintf("every peer forgetting all but the last of %d instances", n+1))
	c.Must(err)
}

func (m pxCat) runMemory(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	const n, size = 10, 1 << 20
	var seqs []int
	for seq := range n {
		v := strings.Repeat(string(rune('a'+seq)), size)
		pc.startAt(seq%3, seq, v)
		seqs = append(seqs, seq)
	}
	pc.waitAll(seqs, 3, pxLimit)
	before := make([]int, 3)
	for i := range 3 {
		if px := pc.peer(i); px != nil {
			before[i] = px.PersistedSize()
			if got := len(pc.value(0)); got != size {
				c.Failf("instance 0 decided %d bytes; want %d", got, size)
			}
		}
	}
	for i := range 3 {
		pc.done(i, n-1)
	}
	pc.startAt(0, n, "small")
	pc.waitDecided(n, 3, pxLimit)
	err := pc.w.RunUntil(func() bool {
		for i := range 3 {
			if px := pc.peer(i); px != nil && (px.Retained() > 2 || px.PersistedSize() > 64<<10) {
				return false
			}
		}
		return true
	}, pxLimit, "every peer giving back the memory and disk of ten 1 MB instances")
	c.Must(err)
	for i := range 3 {
		if px := pc.peer(i); px != nil {
			c.Reportf("%s: %d bytes on disk with ten 1 MB values, %d after forgetting them; %d instances in memory", pc.names[i], before[i], px.PersistedSize(), px.Retained())
		}
	}
}

func (m pxCat) runMessageCount(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	const n = 10
	sent := pc.messages()
	for seq := range n {
		pc.startAt(0, seq, fmt.Sprint("u", seq))
		pc.waitDecided(seq, 3, pxLimit)
	}
	pc.Run(time.Second)
	uncontended := pc.messages() - sent
	if uncontended > 9*n {
		c.Failf("%d messages for %d uncontended agreements among 3 peers; want at most %d", uncontended, n, 9*n)
	}
	sent = pc.messages()
	for seq := n; seq < 2*n; seq++ {
		for i := range 3 {
			pc.startAt(i, seq, fmt.Sprint("c", seq, ".", i))
		}
		pc.waitDecided(seq, 3, pxLimit)
	}
	pc.Run(time.Second)
	contended := pc.messages() - sent
	if contended > 15*3*n {
		c.Failf("%d messages for %d agreements contended by all 3 peers; want at most %d", contended, n, 15*3*n)
	}
	c.Reportf("%.1f messages per uncontended agreement, %.1f per contended one (3 peers)", float64(uncontended)/n, float64(contended)/n)
}

func (m pxCat) runMany(c *scenarios.Case, unreliable bool) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	if unreliable {
		pc.Bind(scenarios.LinkSchedule(0, sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 2 * time.Millisecond, Loss: 0.1, Dup: 0.1, TailProb: 0.1, TailMean: 20 * time.Millisecond, TailMax: 200 * time.Millisecond}))
	}
	n := c.IntParam("instances")
	r := c.Rand("load")
	var seqs []int
	for seq := 0; seq < n; seq++ {
		for k := 0; k < 1+r.IntN(3); k++ {
			pc.startAt(r.IntN(3), seq, fmt.Sprint("v", seq, ".", k))
		}
		seqs = append(seqs, seq)
		if seq%5 == 4 {
			pc.Run(r.Duration(0, 50*time.Millisecond))
		}
	}
	if unreliable {
		pc.Run(2 * time.Second)
		pc.Fault("calm")
		pc.proposeUndecided(seqs) // a peer whose Decide was lost learns by proposing
	}
	pc.waitAll(seqs, 3, pxLimit)
}

func (m pxCat) runDueling(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	// Lost accepts leave values accepted by a few acceptors, undecided,
	// for the next round to find: what a proposer must take up.
	pc.Bind(scenarios.LinkSchedule(0, sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 5 * time.Millisecond, Loss: 0.2, TailProb: 0.2, TailMean: 30 * time.Millisecond, TailMax: 300 * time.Millisecond}))
	n := c.IntParam("instances")
	r := c.Rand("load")
	var seqs []int
	for seq := 0; seq < n; seq++ {
		for i := range 5 {
			pc.startAt(i, seq, fmt.Sprint("v", seq, ".", i))
		}
		seqs = append(seqs, seq)
		pc.Run(r.Duration(0, 20*time.Millisecond))
	}
	pc.Run(2 * time.Second)
	pc.Fault("calm")
	pc.proposeUndecided(seqs)
	pc.waitAll(seqs, 5, pxLimit)
	for _, seq := range seqs {
		if v := pc.value(seq); !strings.HasPrefix(v, fmt.Sprint("v", seq, ".")) {
			c.Failf("instance %d decided %q, which none of its proposers proposed", seq, v)
		}
	}
}

// atMost fails the run when more than k peers have decided seq.
func (pc *pxCluster) atMost(seq, k int, why string) {
	if n := pc.ndecided(seq); n > k {
		pc.c.Failf("%d peers decided instance %d %s; want at most %d", n, seq, why, k)
	}
}

func (m pxCat) runMinority(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	pc.Fault("partition", "p0,p1|p2,p3,p4")
	pc.startAt(0, 0, "minority")
	pc.Run(2 * time.Second)
	pc.atMost(0, 0, "in a minority of 2")
	pc.startAt(2, 1, "majority")
	pc.waitDecided(1, 3, pxLimit)
	pc.Run(time.Second)
	pc.atMost(1, 3, "in a majority of 3")
	pc.atMost(0, 0, "in a minority of 2, by the end of the partition") // deciders only grow: this covers all of it
	pc.Fault("heal")
	pc.proposeUndecided([]int{0, 1})
	pc.waitAll([]int{0, 1}, 5, pxLimit)
	if v := pc.value(1); v != "majority" {
		c.Failf("instance 1 decided %q; want the majority's \"majority\"", v)
	}
}

func (m pxCat) runPartition(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	pc.Fault("partition", "p0,p2|p1,p3|p4")
	pc.startAt(1, 0, "none")
	pc.Run(2 * time.Second)
	pc.atMost(0, 0, "with no majority anywhere")

	pc.Fault("partition", "p0,p1,p2|p3|p4")
	pc.startAt(0, 1, "three")
	pc.waitDecided(1, 3, pxLimit)
	pc.Run(time.Second)
	pc.atMost(1, 3, "in a partition of 3")

	// p2 switches sides: the old majority loses it.
	pc.Fault("partition", "p0,p1|p2,p3,p4")
	pc.startAt(3, 2, "switched")
	pc.waitDecided(2, 3, pxLimit)
	pc.Run(time.Second)
	pc.atMost(2, 3, "in a partition of 3")
	pc.Fault("heal")
	pc.proposeUndecided([]int{0, 1, 2}) // peers that missed a decision learn it by proposing
	pc.waitAll([]int{0, 1, 2}, 5, pxLimit)
}

// drive starts instances from random up peers every gap until end, and
// returns them.
func (pc *pxCluster) drive(r interface {
	IntN(int) int
	Duration(a, b time.Duration) time.Duration
}, gap, end time.Duration) []int {
	var seqs []int
	for seq := 0; pc.w.Now() < end; seq++ {
		pc.startAt(r.IntN(len(pc.ids)), seq, fmt.Sprint("v", seq))
		seqs = append(seqs, seq)
		pc.Run(min(r.Duration(gap/2, 2*gap), end-pc.w.Now()+time.Nanosecond))
	}
	return seqs
}

// proposeUndecided starts again every instance not yet decided everywhere from
// every peer, after calm: a peer that was down when an instance began has
// nobody proposing for it, and Paxos only decides what someone proposes.
func (pc *pxCluster) proposeUndecided(seqs []int) {
	for _, s := range seqs {
		if pc.ndecided(s) < len(pc.ids) {
			for i := range pc.ids {
				pc.startAt(i, s, fmt.Sprint("late", s))
			}
		}
	}
}

func (m pxCat) runChangingPartitions(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	const end = 20 * time.Second
	p := scenarios.Profile{Partition: true, Gap: 700 * time.Millisecond}
	pc.Bind(p.Schedule(c.Rand("faults"), pc.names, 0, 100*time.Millisecond, end))
	seqs := pc.drive(c.Rand("load"), 200*time.Millisecond, end)
	pc.Run(time.Millisecond)
	pc.proposeUndecided(seqs)
	pc.waitAll(seqs, 5, pxLimit)
}

func (m pxCat) runCrashRestart(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	const end = 6 * time.Second
	p := scenarios.Profile{Crash: true, CrashMid: true, Torn: true, Gap: 300 * time.Millisecond}
	pc.Bind(p.Schedule(c.Rand("faults"), pc.names, 5, 100*time.Millisecond, end))
	seqs := pc.drive(c.Rand("load"), 100*time.Millisecond, end)
	pc.Run(time.Millisecond)
	pc.proposeUndecided(seqs)
	pc.waitAll(seqs, 5, pxLimit)
}

func (m pxCat) runSwarm(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 5)
	pc.start()
	r := c.Rand("swarm")
	const end = 6 * time.Second
	profile := scenarios.DrawProfile(r)
	profile.Types = []string{"PrepareReply", "AcceptReply", "Decide"}
	profile.Duel = r.Chance(0.5)
	pc.Bind(profile.Schedule(c.Rand("faults"), pc.names, 5, 100*time.Millisecond, end))
	pc.keepDone(150*time.Millisecond, end)
	seqs := pc.drive(c.Rand("load"), 80*time.Millisecond, end)
	pc.Run(time.Millisecond)
	for _, s := range pc.dueled {
		if !slices.Contains(seqs, s) {
			seqs = append(seqs, s)
		}
	}
	pc.proposeUndecided(seqs)
	pc.waitAllOrForgotten(seqs, pxLimit)
}

// waitAllOrForgotten waits for every instance to be decided or forgotten
// at every peer (Done may have let them forget), but a peer that refused
// to start over a damaged disk: it stays down by design.
func (pc *pxCluster) waitAllOrForgotten(seqs []int, limit time.Duration) {
	err := pc.w.RunUntil(func() bool {
		for i := range pc.ids {
			if pc.w.Refusal(pc.ids[i]) != nil {
				continue
			}
			px := pc.peer(i)
			if px == nil {
				return false
			}
			for _, s := range seqs {
				if f, _ := px.Status(s); f == paxos.Pending {
					return false
				}
			}
		}
		return true
	}, limit, fmt.Sprintf("every peer deciding (or forgetting) all %d instances", len(seqs)))
	pc.c.Must(err)
}

// runDamagedDisk is paxos/damaged-disk. An acceptor that started over its
// damaged state as if nothing happened would have forgotten its
// acceptance, and with it the third peer would choose its own value: two
// values decided for one instance.
func (m pxCat) runDamagedDisk(c *scenarios.Case) {
	pc := m.cluster(c, sim.Config{}, 3)
	pc.start()
	pc.Bind(nil)
	c.Fault(pc.w, "isolate", "p2")
	pc.startAt(0, 0, "first")
	pc.waitDecided(0, 2, pxLimit)
	pc.Run(100 * time.Millisecond) // idle: everything written is synced
	c.Fault(pc.w, "crash", "p1")
	c.DamageOne(pc.w, pc.ids[1], func(f string) bool { return f == "paxos.meta" || strings.HasPrefix(f, "paxos.log.") })
	c.Fault(pc.w, "restart", "p1")
	c.Fault(pc.w, "isolate", "p0") // p1 and p2 could form a majority, if p1 were up
	pc.Run(time.Millisecond)
	pc.startAt(2, 0, "second")
	pc.Run(2 * time.Second)
	if n := pc.ndecided(0); pc.value(0) != "first" {
		c.Failf("instance 0 is %q, decided by %d peers; want \"first\", the value decided before the damage", pc.value(0), n)
	}
	// The agreement observer fails a second value as it is learned; the
	// third peer must not decide at all, not even the first value, with no
	// majority to hear from.
	if px := pc.peer(2); px != nil {
		if f, v := px.Status(0); f == paxos.Decided {
			c.Failf("p2 decided instance 0 (%q) with p0 cut off and p1 down: no majority was there to choose it", short(v))
		}
	}
	c.Fault(pc.w, "heal")
	pc.waitDecided(0, 2, pxLimit)
	if v := pc.value(0); v != "first" {
		c.Failf("after healing, instance 0 is %q; want \"first\"", v)
	}
	c.CheckRefused(pc.w, pc.ids[1])
}
