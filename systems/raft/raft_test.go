package raft_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
	"github.com/simlab-go/simlab/systems/raft"
)

// recorder is a Service that records what Raft hands it.
type recorder struct {
	commands  []any
	indices   []int
	snapshots []string
}

func (s *recorder) ApplyCommand(env node.Env, index, term int, cmd any) {
	s.indices = append(s.indices, index)
	s.commands = append(s.commands, cmd)
}

func (s *recorder) ApplySnapshot(env node.Env, index, term int, snap []byte) {
	s.snapshots = append(s.snapshots, string(snap))
	s.indices = append(s.indices, index)
}

// server is one Raft hosted by hand.
type server struct {
	env *nodetest.Env
	svc *recorder
	rf  *raft.Raft
	cfg raft.Config
}

func newServer(id node.ID, peers ...node.ID) *server {
	s := &server{env: nodetest.New(id, uint64(id)+1), cfg: raft.Config{Peers: peers}}
	s.boot(false)
	return s
}

func (s *server) boot(restarted bool) {
	s.svc = &recorder{}
	s.rf = raft.New(s.cfg, s.svc)
	s.env.Start(node.HandlerFunc(func(env node.Env, ev node.Event) { s.rf.Handle(env, ev) }), restarted)
}

// crash loses memory, timers and unsynced writes, then restarts.
func (s *server) crash() {
	s.env.Crash()
	s.boot(true)
}

func (s *server) deliver(from node.ID, msg any) {
	if !s.rf.Handle(s.env, &node.Recv{From: from, Msg: msg}) {
		panic("raft did not take its own message")
	}
}

// fireElection fires the pending timers, earliest first, until an
// election (or pre-election) has started.
func (s *server) fireElection(t *testing.T) {
	t.Helper()
	for k := 0; k < 10; k++ {
		if _, ok := s.env.FireNext(node.HandlerFunc(func(env node.Env, ev node.Event) { s.rf.Handle(env, ev) })); !ok {
			break
		}
		if s.rf.Status().Role != raft.Follower {
			return
		}
	}
	t.Fatal("no election started")
}

func sentOfType[T any](sent []nodetest.Sent) []T {
	var out []T
	for _, m := range sent {
		if v, ok := m.Msg.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestElectionTimeoutStartsAnElection(t *testing.T) {
	s := newServer(0, 0, 1, 2)
	timers := s.env.Timers()
	if len(timers) != 1 || timers[0].Due < 300*time.Millisecond || timers[0].Due > 600*time.Millisecond {
		t.Fatalf("timers after boot %+v; want one election timeout in [300ms, 600ms]", timers)
	}
	s.fireElection(t)
	st := s.rf.Status()
	if st.Term != 1 || st.Role != raft.Candidate || st.VotedFor != 0 {
		t.Fatalf("status %+v; want candidate of term 1 voting for itself", st)
	}
	reqs := sentOfType[raft.RequestVote](s.env.Sent())
	if len(reqs) != 2 || reqs[0].Term != 1 || reqs[0].Candidate != 0 {
		t.Fatalf("sent %+v; want RequestVote for term 1 to both peers", reqs)
	}
	// The term and vote were synced before the requests left: a crash
	// right now must not lose them.
	s.crash()
	if st := s.rf.Status(); st.Term != 1 || st.VotedFor != 0 {
		t.Errorf("after a crash: term %d votedFor %v; want 1 and n0", st.Term, st.VotedFor)
	}
}

func TestVoteIsDurableBeforeTheReply(t *testing.T) {
	s := newServer(2, 0, 1, 2)
	s.deliver(0, raft.RequestVote{Term: 5, Candidate: 0})
	replies := sentOfType[raft.RequestVoteReply](s.env.Sent())
	if len(replies) != 1 || !replies[0].Granted || replies[0].Term != 5 {
		t.Fatalf("replies %+v; want one granted vote in term 5", replies)
	}
	s.crash()
	s.deliver(1, raft.RequestVote{Term: 5, Candidate: 1})
	replies = sentOfType[raft.RequestVoteReply](s.env.Sent())
	if len(replies) != 1 || replies[0].Granted {
		t.Fatalf("after a crash, a second candidate of term 5 got %+v; want the vote refused (it went to n0)", replies)
	}
}

func TestVoteOnlyForUpToDateLogs(t *testing.T) {
	s := newServer(1, 0, 1, 2)
	s.deliver(0, raft.AppendEntries{Term: 2, Leader: 0, Entries: []raft.Entry{{Index: 1, Term: 1, Command: "a"}, {Index: 2, Term: 2, Command: "b"}}})
	s.env.Sent()
	tests := []struct {
		name               string
		lastIndex, lastTrm int
		want               bool
	}{
		{"older last term", 5, 1, false},
		{"same term, shorter", 1, 2, false},
		{"same term, as long", 2, 2, true},
	}
	for i, tt := range tests {
		s.deliver(node.ID(10+i), raft.RequestVote{Term: 3 + i, Candidate: node.ID(10 + i), LastLogIndex: tt.lastIndex, LastLogTerm: tt.lastTrm})
		r := sentOfType[raft.RequestVoteReply](s.env.Sent())
		if len(r) != 1 || r[0].Granted != tt.want {
			t.Errorf("%s: reply %+v; want granted=%v", tt.name, r, tt.want)
		}
	}
}

func TestAppendEntriesConsistencyAndConflicts(t *testing.T) {
	s := newServer(1, 0, 1, 2)
	s.deliver(0, raft.AppendEntries{Term: 1, Leader: 0, Entries: []raft.Entry{
		{Index: 1, Term: 1, Command: "a"}, {Index: 2, Term: 1, Command: "b"}, {Index: 3, Term: 1, Command: "c"}}})
	if r := sentOfType[raft.AppendEntriesReply](s.env.Sent()); len(r) != 1 || !r[0].Success || r[0].MatchIndex != 3 {
		t.Fatalf("reply %+v; want success matching 3", r)
	}
	// A gap: the follower says where its log ends.
	s.deliver(0, raft.AppendEntries{Term: 1, Leader: 0, PrevLogIndex: 7, PrevLogTerm: 1})
	if r := sentOfType[raft.AppendEntriesReply](s.env.Sent()); len(r) != 1 || r[0].Success || r[0].ConflictIndex != 4 || r[0].ConflictTerm != 0 {
		t.Fatalf("reply to a gap %+v; want failure with ConflictIndex 4", r)
	}
	// A term mismatch: the follower names the term and its first index.
	s.deliver(2, raft.AppendEntries{Term: 2, Leader: 2, PrevLogIndex: 3, PrevLogTerm: 2})
	if r := sentOfType[raft.AppendEntriesReply](s.env.Sent()); len(r) != 1 || r[0].Success || r[0].ConflictTerm != 1 || r[0].ConflictIndex != 1 {
		t.Fatalf("reply to a mismatch %+v; want ConflictTerm 1, ConflictIndex 1", r)
	}
	// A conflicting entry replaces the uncommitted suffix.
	s.deliver(2, raft.AppendEntries{Term: 2, Leader: 2, PrevLogIndex: 1, PrevLogTerm: 1, LeaderCommit: 2,
		Entries: []raft.Entry{{Index: 2, Term: 2, Command: "B"}}})
	st := s.rf.Status()
	if st.LastIndex != 2 || st.CommitIndex != 2 {
		t.Fatalf("status %+v; want the log cut to 2 entries, both committed", st)
	}
	if !slices.Equal(s.svc.commands, []any{"a", "B"}) {
		t.Errorf("applied %v; want [a B]", s.svc.commands)
	}
	// The rewrite survives a crash.
	s.crash()
	if c, _ := s.rf.Command(2); c != "B" || s.rf.Status().LastIndex != 2 {
		t.Errorf("after a crash entry 2 is %v, last index %d; want B and 2", c, s.rf.Status().LastIndex)
	}
}

func TestTornLogTailIsDropped(t *testing.T) {
	s := newServer(1, 0, 1, 2)
	s.deliver(0, raft.AppendEntries{Term: 1, Leader: 0, Entries: []raft.Entry{{Index: 1, Term: 1, Command: "a"}, {Index: 2, Term: 1, Command: "b"}}})
	// A torn third record: some bytes of a frame, then a crash.
	var logName string
	for _, n := range s.env.Disk().Names() {
		if strings.HasPrefix(n, "raft.log.") {
			logName = n
		}
	}
	s.env.Disk().Append(logName, []byte{0, 0, 0, 40, 1, 2, 3})
	s.env.Disk().Sync()
	s.crash()
	if st := s.rf.Status(); st.LastIndex != 2 {
		t.Fatalf("last index %d after a torn tail; want 2", st.LastIndex)
	}
	s.deliver(0, raft.AppendEntries{Term: 1, Leader: 0, PrevLogIndex: 2, PrevLogTerm: 1, Entries: []raft.Entry{{Index: 3, Term: 1, Command: "c"}}})
	s.crash()
	if c, _ := s.rf.Command(3); c != "c" {
		t.Errorf("entry 3 after appending past a dropped torn tail and crashing: %v; want c", c)
	}
}

// TestDamageIsRefusedAndNothingRewritten: damage to what a server synced
// (its log, its meta, its snapshot) makes it refuse to start, naming the
// file, and leaves every file as it found it; it never comes back as a
// server that forgot its vote or its entries.
func TestDamageIsRefusedAndNothingRewritten(t *testing.T) {
	file := func(d *nodetest.Disk, prefix string) string {
		for _, n := range d.Names() {
			if strings.HasPrefix(n, prefix) {
				return n
			}
		}
		t.Fatalf("no file %s* in %v", prefix, d.Names())
		return ""
	}
	rewrite := func(prefix string, fn func([]byte) []byte) func(*nodetest.Disk) string {
		return func(d *nodetest.Disk) string {
			name := file(d, prefix)
			b, _ := d.ReadFile(name)
			d.WriteFile(name, fn(b))
			return name
		}
	}
	lose := func(prefix string) func(*nodetest.Disk) string {
		return func(d *nodetest.Disk) string {
			name := file(d, prefix)
			d.Remove(name)
			return name
		}
	}
	for _, tc := range []struct {
		name     string
		snapshot bool
		damage   func(*nodetest.Disk) string // returns the file the diagnosis must name
	}{
		{"a byte flipped in the middle of the log", false, rewrite("raft.log.", func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b })},
		{"a byte flipped in the last synced record", false, rewrite("raft.log.", func(b []byte) []byte { b[len(b)-1] ^= 1; return b })},
		{"the log zeroed", false, rewrite("raft.log.", func(b []byte) []byte { return make([]byte, len(b)) })},
		{"the log truncated at a record boundary", false, rewrite("raft.log.", func(b []byte) []byte { return b[:0] })},
		{"the log truncated inside a record", false, rewrite("raft.log.", func(b []byte) []byte { return b[:len(b)-3] })},
		{"the log lost", false, lose("raft.log.")},
		{"the meta lost", false, lose("raft.meta")},
		{"the meta flipped", false, rewrite("raft.meta", func(b []byte) []byte { b[10] ^= 4; return b })},
		{"the sync ledger flipped before a whole entry", false, rewrite("raft.sync.", func(b []byte) []byte { b[0] ^= 1; return b })},
		{"the snapshot flipped", true, rewrite("raft.snap.", func(b []byte) []byte { b[len(b)-1] ^= 2; return b })},
		{"the snapshot lost", true, lose("raft.snap.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(1, 0, 1, 2)
			s.deliver(0, raft.RequestVote{Term: 3, Candidate: 0})
			s.deliver(0, raft.AppendEntries{Term: 3, Leader: 0, Entries: []raft.Entry{
				{Index: 1, Term: 3, Command: "a"}, {Index: 2, Term: 3, Command: "b"}, {Index: 3, Term: 3, Command: "c"}}})
			s.deliver(0, raft.AppendEntries{Term: 3, Leader: 0, PrevLogIndex: 3, PrevLogTerm: 3, Entries: []raft.Entry{{Index: 4, Term: 3, Command: "d"}}})
			if tc.snapshot {
				s.deliver(0, raft.AppendEntries{Term: 3, Leader: 0, PrevLogIndex: 3, PrevLogTerm: 3, LeaderCommit: 3})
				s.rf.Snapshot(s.env, 2, []byte("state@2"))
			}
			d := s.env.Store()
			want := tc.damage(d)
			d.Sync()
			s.env.Crash()
			before := map[string]string{}
			for _, n := range d.Names() {
				b, _ := d.ReadFile(n)
				before[n] = string(b)
			}
			s.svc = &recorder{}
			s.rf = raft.New(s.cfg, s.svc)
			refusal := s.env.Boot(node.HandlerFunc(func(env node.Env, ev node.Event) { s.rf.Handle(env, ev) }), true)
			if refusal == nil {
				st := s.rf.Status()
				t.Fatalf("started over damage to %s as term %d with entries up to %d", want, st.Term, st.LastIndex)
			}
			if refusal.File != want {
				t.Errorf("the diagnosis names %s; want %s: %v", refusal.File, want, refusal)
			}
			after := map[string]string{}
			for _, n := range d.Names() {
				b, _ := d.ReadFile(n)
				after[n] = string(b)
			}
			if len(after) != len(before) {
				t.Errorf("refusing changed the files: %v became %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
			for n, b := range before {
				if after[n] != b {
					t.Errorf("refusing rewrote %s", n)
				}
			}
		})
	}
}

func TestSnapshotPersistsWithTheLog(t *testing.T) {
	s := newServer(0, 0) // a cluster of one leads at once
	if _, isLeader := s.rf.State(); !isLeader {
		t.Fatal("a single server is not leader")
	}
	for _, c := range []string{"a", "b", "c", "d"} {
		s.rf.Start(s.env, c)
	}
	for s.env.Timers() != nil && len(s.svc.commands) < 4 {
		s.env.FireNext(node.HandlerFunc(func(env node.Env, ev node.Event) { s.rf.Handle(env, ev) }))
	}
	if !slices.Equal(s.svc.commands, []any{"a", "b", "c", "d"}) {
		t.Fatalf("applied %v; want a b c d", s.svc.commands)
	}
	s.rf.Snapshot(s.env, 3, []byte("state@3"))
	if st := s.rf.Status(); st.FirstIndex != 3 || st.LastIndex != 4 {
		t.Fatalf("after Snapshot(3) the log is (%d, %d]; want (3, 4]", st.FirstIndex, st.LastIndex)
	}
	s.crash()
	if !slices.Equal(s.svc.snapshots, []string{"state@3"}) {
		t.Errorf("snapshots delivered at restart %v; want [state@3]", s.svc.snapshots)
	}
	if c, ok := s.rf.Command(4); !ok || c != "d" {
		t.Errorf("entry 4 after restart: %v %v; want d", c, ok)
	}
	if n := len(s.env.Disk().Names()); n != 4 {
		t.Errorf("files %v; want meta, one log, its sync ledger and one snapshot", s.env.Disk().Names())
	}
}

func TestPreVoteDoesNotRaiseTheTerm(t *testing.T) {
	s := newServer(0, 0, 1, 2)
	s.cfg.PreVote = true
	s.boot(false)
	s.fireElection(t)
	st := s.rf.Status()
	if st.Role != raft.PreCandidate || st.Term != 0 {
		t.Fatalf("status %+v; want a pre-candidate still in term 0", st)
	}
	reqs := sentOfType[raft.RequestVote](s.env.Sent())
	if len(reqs) != 2 || !reqs[0].PreVote || reqs[0].Term != 1 {
		t.Fatalf("sent %+v; want pre-vote requests for term 1", reqs)
	}
	s.deliver(1, raft.RequestVoteReply{Term: 0, ReqTerm: 1, Granted: true, PreVote: true})
	if st := s.rf.Status(); st.Role != raft.Candidate || st.Term != 1 {
		t.Errorf("after a pre-vote majority: %+v; want a candidate of term 1", st)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  raft.Config
		want string
	}{
		{raft.Config{}, "Peers is empty"},
		{raft.Config{Peers: []node.ID{1, 1}}, "listed twice"},
		{raft.Config{Peers: []node.ID{1}, ElectionTimeoutMin: time.Second, ElectionTimeoutMax: time.Millisecond}, "below"},
		{raft.Config{Peers: []node.ID{1}, HeartbeatInterval: time.Second}, "well below"},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v; want %q", tt.cfg, err, tt.want)
		}
	}
}

// leaderOf2 makes server 0 of {0, 1} leader of term 1 by hand.
func leaderOf2(t *testing.T, cfg raft.Config) *server {
	t.Helper()
	s := &server{env: nodetest.New(0, 1), cfg: cfg}
	s.cfg.Peers = []node.ID{0, 1}
	s.boot(false)
	s.fireElection(t)
	s.deliver(1, raft.RequestVoteReply{Term: 1, ReqTerm: 1, Granted: true})
	if _, isLeader := s.rf.State(); !isLeader {
		t.Fatal("server 0 did not become leader")
	}
	s.env.Sent()
	return s
}

func TestAppendEntriesBatchingRespectsCaps(t *testing.T) {
	tests := []struct {
		name        string
		maxEntries  int
		maxBytes    int
		commandSize int
		wantPerMsg  int
	}{
		{"entry cap", 10, 1 << 20, 5, 10},
		{"byte cap", 1000, 100, 30, 3}, // 3 commands of ~31 encoded bytes fit in 100
		{"one oversized entry goes alone", 1000, 10, 50, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := leaderOf2(t, raft.Config{MaxEntriesPerMessage: tt.maxEntries, MaxBytesPerMessage: tt.maxBytes})
			for i := 0; i < 25; i++ {
				s.rf.Start(s.env, strings.Repeat("x", tt.commandSize))
			}
			s.env.FireNext(node.HandlerFunc(func(env node.Env, ev node.Event) { s.rf.Handle(env, ev) })) // the replicate timer
			aes := sentOfType[raft.AppendEntries](s.env.Sent())
			if len(aes) != 1 || len(aes[0].Entries) != tt.wantPerMsg {
				t.Fatalf("sent %d AppendEntries, the first with %d entries; want one with %d", len(aes), len(aes[0].Entries), tt.wantPerMsg)
			}
			// The follower acknowledges; the rest follows at once, batch by
			// batch, each picking up where the last ended.
			next := aes[0].Entries[len(aes[0].Entries)-1].Index + 1
			for next <= 25 {
				s.deliver(1, raft.AppendEntriesReply{Term: 1, Success: true, MatchIndex: next - 1, PrevLogIndex: aes[0].PrevLogIndex})
				aes = sentOfType[raft.AppendEntries](s.env.Sent())
				if len(aes) != 1 || aes[0].Entries[0].Index != next || len(aes[0].Entries) > tt.wantPerMsg {
					t.Fatalf("after an ack up to %d: %+v; want one batch from %d of at most %d entries", next-1, aes, next, tt.wantPerMsg)
				}
				next = aes[0].Entries[len(aes[0].Entries)-1].Index + 1
			}
		})
	}
}

// TestOldTermEntriesAreNotCommittedByCounting is section 5.4.2 (Figure 8):
// a leader does not commit an entry of an earlier term because a majority
// holds it, only together with an entry of its own term.
func TestOldTermEntriesAreNotCommittedByCounting(t *testing.T) {
	s := &server{env: nodetest.New(0, 1), cfg: raft.Config{Peers: []node.ID{0, 1, 2}}}
	s.boot(false)
	// An entry of term 1 from leader n1, never committed.
	s.deliver(1, raft.AppendEntries{Term: 1, Leader: 1, Entries: []raft.Entry{{Index: 1, Term: 1, Command: "old"}}})
	s.fireElection(t)
	s.deliver(2, raft.RequestVoteReply{Term: 2, ReqTerm: 2, Granted: true})
	if term, isLeader := s.rf.State(); !isLeader || term != 2 {
		t.Fatalf("state %d %v; want leader of term 2", term, isLeader)
	}
	s.deliver(2, raft.AppendEntriesReply{Term: 2, Success: true, MatchIndex: 1, PrevLogIndex: 0})
	if c := s.rf.Status().CommitIndex; c != 0 {
		t.Fatalf("commit index %d after a majority holds the term-1 entry; want 0: it may not be committed by counting", c)
	}
	s.rf.Start(s.env, "new")
	s.deliver(2, raft.AppendEntriesReply{Term: 2, Success: true, MatchIndex: 2, PrevLogIndex: 1})
	if c := s.rf.Status().CommitIndex; c != 2 {
		t.Fatalf("commit index %d after a majority holds the term-2 entry; want 2, the old entry with it", c)
	}
	if !slices.Equal(s.svc.commands, []any{"old", "new"}) {
		t.Errorf("applied %v; want [old new]", s.svc.commands)
	}
}
