package rsm_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/rsm"
)

// fakeLog is a Consensus driven by the test: Start appends, commit applies.
type fakeLog struct {
	a        rsm.Applier
	term     int
	leader   bool
	entries  []any
	applied  int
	size     int
	snapshot []byte
	snapAt   int
}

func (l *fakeLog) Handle(node.Env, node.Event) bool { return false }
func (l *fakeLog) State() (int, bool)               { return l.term, l.leader }
func (l *fakeLog) PersistedSize() int               { return l.size }
func (l *fakeLog) Start(env node.Env, cmd any) (int, int, bool) {
	if !l.leader {
		return 0, l.term, false
	}
	l.entries = append(l.entries, cmd)
	l.size += 100
	return len(l.entries), l.term, true
}
func (l *fakeLog) Snapshot(env node.Env, index int, data []byte) {
	l.snapshot, l.snapAt, l.size = data, index, 0
}

// commit applies every entry up to index.
func (l *fakeLog) commit(env node.Env, index int) {
	for l.applied < index {
		l.applied++
		l.a.ApplyCommand(env, l.applied, l.term, l.entries[l.applied-1])
	}
}

// counter adds the ints it applies.
type counter struct{ sum int }

func (c *counter) Apply(op any) any { c.sum += op.(int); return c.sum }
func (c *counter) Snapshot() []byte { return []byte(strconv.Itoa(c.sum)) }
func (c *counter) Restore(b []byte) { c.sum, _ = strconv.Atoi(string(b)) }
func newReplica(cfg rsm.Config) (*rsm.RSM, *fakeLog, *counter) {
	sm := &counter{}
	var log *fakeLog
	r := rsm.New(cfg, sm, func(a rsm.Applier) rsm.Consensus { log = &fakeLog{a: a, term: 1, leader: true}; return log })
	return r, log, sm
}

type result struct {
	value any
	err   error
}

func collect(out *[]result) rsm.Done {
	return func(env node.Env, v any, err error) { *out = append(*out, result{v, err}) }
}

func TestSubmitAppliesOnceAndAnswers(t *testing.T) {
	env := nodetest.New(0, 1)
	r, log, sm := newReplica(rsm.Config{})
	var got []result
	r.Submit(env, 7, 1, 5, collect(&got))
	r.Submit(env, 7, 1, 5, collect(&got)) // a retry before the first applied
	log.commit(env, 2)
	if sm.sum != 5 {
		t.Errorf("sum %d after an operation and its retry; want 5 (applied once)", sm.sum)
	}
	// The first submission's index was taken over by the retry (the same
	// client and seq): one answer is lost leadership, the other the result.
	if len(got) != 2 || !slices.ContainsFunc(got, func(r result) bool { return r.err == nil && r.value == 5 }) {
		t.Errorf("answers %+v; want the result 5 among them", got)
	}
	got = nil
	r.Submit(env, 7, 1, 5, collect(&got)) // a retry after it applied
	if len(got) != 1 || got[0].err != nil || got[0].value != 5 {
		t.Errorf("a retry of an applied operation got %+v; want 5 at once", got)
	}
	if len(log.entries) != 2 {
		t.Errorf("%d log entries; a retry of an applied operation must not be proposed again", len(log.entries))
	}
}

func TestWrongLeaderAndLostLeadership(t *testing.T) {
	env := nodetest.New(0, 1)
	r, log, _ := newReplica(rsm.Config{})
	log.leader = false
	var got []result
	r.Submit(env, 1, 1, 3, collect(&got))
	if len(got) != 1 || !errors.Is(got[0].err, rsm.ErrWrongLeader) {
		t.Fatalf("a follower's answer %+v; want ErrWrongLeader", got)
	}
	got = nil
	log.leader = true
	r.Submit(env, 1, 2, 3, collect(&got))
	log.term, log.leader = 2, false // deposed before it committed
	r.Handle(env, &node.Start{})
	if len(got) != 1 || !errors.Is(got[0].err, rsm.ErrLostLeadership) {
		t.Fatalf("after losing leadership: %+v; want ErrLostLeadership", got)
	}
	// Another leader's entry lands at the index: the submitter is told.
	got = nil
	log.term, log.leader = 2, true
	r.Submit(env, 1, 3, 4, collect(&got))
	log.entries[len(log.entries)-1] = rsm.Command{ClientID: 9, Seq: 1, Op: 100}
	log.commit(env, len(log.entries))
	if len(got) != 1 || !errors.Is(got[0].err, rsm.ErrLostLeadership) {
		t.Errorf("another command at our index: %+v; want ErrLostLeadership", got)
	}
}

func TestSnapshotCarriesDedupTable(t *testing.T) {
	env := nodetest.New(0, 1)
	r, log, sm := newReplica(rsm.Config{MaxRaftState: 250})
	var got []result
	for seq := uint64(1); seq <= 3; seq++ {
		r.Submit(env, 4, seq, 10, collect(&got))
		log.commit(env, int(seq)) // the log grows 100 bytes an entry
	}
	if log.snapshot == nil || log.snapAt != 3 {
		t.Fatalf("no snapshot at 3 after the log grew past MaxRaftState (at %d)", log.snapAt)
	}
	// A fresh replica restored from the snapshot knows client 4's seq 3.
	r2, log2, sm2 := newReplica(rsm.Config{})
	log2.a.ApplySnapshot(env, 3, 1, log.snapshot)
	if sm2.sum != sm.sum {
		t.Fatalf("restored sum %d, want %d", sm2.sum, sm.sum)
	}
	got = nil
	r2.Submit(env, 4, 3, 10, collect(&got))
	if len(got) != 1 || got[0].value != 30 || len(log2.entries) != 0 {
		t.Errorf("a retry of seq 3 after restore got %+v with %d entries proposed; want 30 at once", got, len(log2.entries))
	}
}

// seenCommands records the Commands a self-deduplicating state machine is
// given.
type seenCommands struct{ cmds []rsm.Command }

func (s *seenCommands) Apply(op any) any {
	c := op.(rsm.Command)
	s.cmds = append(s.cmds, c)
	return len(s.cmds)
}
func (s *seenCommands) Snapshot() []byte { return nil }
func (s *seenCommands) Restore([]byte)   {}

// TestTheStateMachineCanDedup: with StateMachineDedups, every command is
// applied, Apply sees its client and sequence number, and a retry of an
// applied operation goes through the log again instead of being answered
// from a table (a sharded service's answer may have been "wrong group").
func TestTheStateMachineCanDedup(t *testing.T) {
	env := nodetest.New(0, 1)
	sm := &seenCommands{}
	var log *fakeLog
	r := rsm.New(rsm.Config{StateMachineDedups: true}, sm, func(a rsm.Applier) rsm.Consensus { log = &fakeLog{a: a, term: 1, leader: true}; return log })
	var got []result
	r.Submit(env, 7, 1, "a", collect(&got))
	log.commit(env, 1)
	r.Submit(env, 7, 1, "a", collect(&got)) // the same client and seq again
	log.commit(env, 2)
	want := []rsm.Command{{ClientID: 7, Seq: 1, Op: "a"}, {ClientID: 7, Seq: 1, Op: "a"}}
	if !slices.Equal(sm.cmds, want) {
		t.Errorf("applied %+v, want %+v: both, whole", sm.cmds, want)
	}
	if len(got) != 2 || got[0].value != 1 || got[1].value != 2 {
		t.Errorf("answers %+v; want each submission answered by its own entry (1, then 2)", got)
	}
}
