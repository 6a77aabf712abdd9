package labfixture

// raft.go: "the student's" Raft: leader election with terms and randomized
// election timeouts, heartbeats, a replicated log committed by a majority,
// and an applier goroutine that delivers committed commands on applyCh.
// It has one planted bug: see RequestVote.

import (
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

const (
	heartbeatInterval = 100 * time.Millisecond
	// A leader that has not heard from a majority for this long steps down
	// (a "check quorum" rule), so that a leader cut off from the others
	// stops accepting commands it can never commit.
	quorumWindow = 500 * time.Millisecond
)

// electionTimeout draws a fresh randomized election timeout.
func electionTimeout() time.Duration {
	return 300*time.Millisecond + time.Duration(rand.Int63n(int64(150*time.Millisecond)))
}

type serverState int

const (
	Follower serverState = iota
	Candidate
	Leader
)

func (s serverState) String() string {
	return [...]string{"follower", "candidate", "leader"}[s]
}

// ApplyMsg is what a server delivers on applyCh for each committed entry.
type ApplyMsg struct {
	CommandValid bool
	Command      any
	CommandIndex int
	CommandTerm  int
}

// LogEntry is one entry of the replicated log.
type LogEntry struct {
	Term    int
	Command any
}

// Raft is one peer.
type Raft struct {
	mu        sync.Mutex
	applyCond *sync.Cond
	peers     []*ClientEnd
	me        int
	dead      atomic.Bool
	quit      chan struct{}
	applyCh   chan ApplyMsg
	resetCh   chan struct{} // tells the ticker to restart the election timer

	currentTerm int
	votedFor    int
	log         []LogEntry // log[0] is a sentinel
	state       serverState

	commitIndex int
	lastApplied int

	nextIndex   []int
	matchIndex  []int
	lastAck     []time.Time // when each follower last answered this leader
	leaderSince time.Time
}

// Make creates a peer and starts its goroutines.
func Make(peers []*ClientEnd, me int, applyCh chan ApplyMsg) *Raft {
	rf := &Raft{
		peers:    peers,
		me:       me,
		quit:     make(chan struct{}),
		applyCh:  applyCh,
		resetCh:  make(chan struct{}),
		votedFor: -1,
		log:      []LogEntry{{Term: 0}},
	}
	rf.applyCond = sync.NewCond(&rf.mu)
	go rf.ticker()
	go rf.applier()
	return rf
}

// GetState returns the current term and whether this peer believes it is
// the leader.
func (rf *Raft) GetState() (int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.state == Leader
}

// Kill stops the peer's goroutines.
func (rf *Raft) Kill() {
	if rf.dead.Swap(true) {
		return
	}
	close(rf.quit)
	rf.mu.Lock()
	rf.applyCond.Broadcast()
	rf.mu.Unlock()
}

func (rf *Raft) killed() bool { return rf.dead.Load() }

// Start proposes a command. If this peer is the leader it appends the
// command to its log and returns its index, the term and true. The entry
// goes out with the next heartbeat.
func (rf *Raft) Start(command any) (int, int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.state != Leader || rf.killed() {
		return -1, rf.currentTerm, false
	}
	rf.log = append(rf.log, LogEntry{Term: rf.currentTerm, Command: command})
	index := len(rf.log) - 1
	rf.matchIndex[rf.me] = index
	return index, rf.currentTerm, true
}

func (rf *Raft) becomeFollower(term int) {
	rf.currentTerm = term
	rf.votedFor = -1
	rf.state = Follower
}

func (rf *Raft) lastLog() (index, term int) {
	return len(rf.log) - 1, rf.log[len(rf.log)-1].Term
}

// resetElectionTimer tells the ticker to restart its election timer.
// resetCh is unbuffered and the ticker takes rf.mu, so the caller must not
// hold rf.mu.
func (rf *Raft) resetElectionTimer() {
	select {
	case rf.resetCh <- struct{}{}:
	case <-rf.quit:
	}
}

// ticker runs elections when the election timer fires, and heartbeats
// while this peer is the leader.
func (rf *Raft) ticker() {
	timer := time.NewTimer(electionTimeout())
	defer timer.Stop()
	for {
		select {
		case <-rf.quit:
			return
		case <-rf.resetCh:
			timer.Reset(electionTimeout())
		case <-timer.C:
			rf.mu.Lock()
			leader := rf.state == Leader
			rf.mu.Unlock()
			if leader {
				if rf.leaderTick() {
					timer.Reset(heartbeatInterval)
				} else {
					timer.Reset(electionTimeout())
				}
				continue
			}
			switch rf.runElection() {
			case electionWon:
				timer.Reset(heartbeatInterval)
			case electionTimedOut:
				rf.mu.Lock()
				again := rf.state == Candidate
				rf.mu.Unlock()
				if again { // the wait was an election timeout: try again now
					timer.Reset(0)
				} else {
					timer.Reset(electionTimeout())
				}
			default:
				timer.Reset(electionTimeout())
			}
		}
	}
}

type electionOutcome int

const (
	electionLost electionOutcome = iota
	electionWon
	electionTimedOut
)

type voteResult struct {
	ok    bool
	reply RequestVoteReply
}

// runElection becomes a candidate in a new term, asks every peer for its
// vote and counts the answers until it wins, learns from an answer that it
// cannot, or the election times out.
func (rf *Raft) runElection() electionOutcome {
	rf.mu.Lock()
	rf.currentTerm++
	rf.state = Candidate
	rf.votedFor = rf.me
	lastIndex, lastTerm := rf.lastLog()
	args := RequestVoteArgs{Term: rf.currentTerm, CandidateId: rf.me, LastLogIndex: lastIndex, LastLogTerm: lastTerm}
	rf.mu.Unlock()

	results := make(chan voteResult, len(rf.peers))
	for i := range rf.peers {
		if i == rf.me {
			continue
		}
		go func(i int) {
			var reply RequestVoteReply
			ok := rf.peers[i].Call("Raft.RequestVote", &args, &reply)
			results <- voteResult{ok, reply}
		}(i)
	}
	deadline := time.NewTimer(electionTimeout())
	defer deadline.Stop()
	votes := 1
	for {
		select {
		case <-rf.quit:
			return electionLost
		case <-deadline.C:
			return electionTimedOut
		case res := <-results:
			rf.mu.Lock()
			if res.ok && res.reply.Term > rf.currentTerm {
				rf.becomeFollower(res.reply.Term)
			}
			if rf.state != Candidate || rf.currentTerm != args.Term {
				rf.mu.Unlock()
				return electionLost
			}
			if res.ok && res.reply.VoteGranted {
				votes++
				if votes > len(rf.peers)/2 {
					rf.becomeLeader()
					term := rf.currentTerm
					rf.mu.Unlock()
					go rf.broadcastAppend(term)
					return electionWon
				}
			}
			rf.mu.Unlock()
		}
	}
}

func (rf *Raft) becomeLeader() {
	rf.state = Leader
	rf.leaderSince = time.Now()
	n := len(rf.peers)
	rf.nextIndex = make([]int, n)
	rf.matchIndex = make([]int, n)
	rf.lastAck = make([]time.Time, n)
	for i := range rf.nextIndex {
		rf.nextIndex[i] = len(rf.log)
	}
	rf.matchIndex[rf.me] = len(rf.log) - 1
}

// leaderTick is a leader's heartbeat; it returns false if the leader
// stepped down because it lost touch with a majority.
func (rf *Raft) leaderTick() bool {
	rf.mu.Lock()
	if rf.state != Leader {
		rf.mu.Unlock()
		return false
	}
	now := time.Now()
	if now.Sub(rf.leaderSince) > quorumWindow {
		heard := 1
		for i, t := range rf.lastAck {
			if i != rf.me && now.Sub(t) <= quorumWindow {
				heard++
			}
		}
		if heard <= len(rf.peers)/2 {
			rf.state = Follower
			rf.mu.Unlock()
			return false
		}
	}
	term := rf.currentTerm
	rf.mu.Unlock()
	rf.broadcastAppend(term)
	return true
}

type RequestVoteArgs struct {
	Term         int
	CandidateId  int
	LastLogIndex int
	LastLogTerm  int
}

type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

// RequestVote is the vote handler.
//
// PLANTED BUG (this is "the student's bug" that the fixture's tests look
// for): the vote is checked in one critical section and recorded in
// another. rf.mu is released in between so that the handler can restart
// the election timer over the unbuffered resetCh, and that send blocks for
// as long as the ticker is busy: the ticker runs this peer's own elections,
// and runElection keeps it until the election ends, which for a candidate
// that was outvoted is its deadline. A second candidate of the same term
// can meanwhile pass the same check, find votedFor still -1, and be granted
// the vote too: when both blocked handlers go on, this peer has voted twice
// in one term, and in a cluster of three both candidates win it: two
// leaders in one term. It takes an unreliable network for two candidates
// to stand in the same term while a third is mid-election, so only
// TestUnreliableAgreement can see it, and only at some seeds.
//
// A correct version decides and records the vote in ONE critical section
// (sets rf.votedFor before unlocking) and only then restarts the timer, or
// restarts it without blocking (a timer.Reset under the lock, or a buffered
// channel of one with a non-blocking send).
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	if args.Term > rf.currentTerm {
		rf.becomeFollower(args.Term)
	}
	reply.Term = rf.currentTerm
	lastIndex, lastTerm := rf.lastLog()
	upToDate := args.LastLogTerm > lastTerm || (args.LastLogTerm == lastTerm && args.LastLogIndex >= lastIndex)
	if args.Term < rf.currentTerm || (rf.votedFor != -1 && rf.votedFor != args.CandidateId) || !upToDate {
		rf.mu.Unlock()
		return
	}
	rf.mu.Unlock()

	rf.resetElectionTimer() // BUG: blocks with the vote decided but not yet recorded

	rf.mu.Lock()
	rf.votedFor = args.CandidateId
	reply.VoteGranted = true
	rf.mu.Unlock()
}

type AppendEntriesArgs struct {
	Term         int
	LeaderId     int
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []LogEntry
	LeaderCommit int
}

type AppendEntriesReply struct {
	Term          int
	Success       bool
	ConflictIndex int // where the leader should try next; 0 when no hint
}

// AppendEntries is the replication and heartbeat handler.
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	if args.Term < rf.currentTerm {
		reply.Term = rf.currentTerm
		rf.mu.Unlock()
		return
	}
	if args.Term > rf.currentTerm {
		rf.becomeFollower(args.Term)
	}
	reply.Term = rf.currentTerm
	if rf.state == Leader {
		// Another leader of my own term: cannot happen, one leader per term.
		rf.mu.Unlock()
		return
	}
	rf.state = Follower
	switch {
	case args.PrevLogIndex >= len(rf.log):
		reply.ConflictIndex = len(rf.log)
	case rf.log[args.PrevLogIndex].Term != args.PrevLogTerm:
		bad := rf.log[args.PrevLogIndex].Term
		i := args.PrevLogIndex
		for i > 1 && rf.log[i-1].Term == bad {
			i--
		}
		reply.ConflictIndex = i
	default:
		for j, e := range args.Entries {
			at := args.PrevLogIndex + 1 + j
			if at < len(rf.log) {
				if rf.log[at].Term == e.Term {
					continue
				}
				rf.log = rf.log[:at]
			}
			rf.log = append(rf.log, e)
		}
		reply.Success = true
		if last := args.PrevLogIndex + len(args.Entries); args.LeaderCommit > rf.commitIndex {
			rf.commitIndex = min(args.LeaderCommit, last)
			rf.applyCond.Broadcast()
		}
	}
	rf.mu.Unlock()
	rf.resetElectionTimer()
}

// broadcastAppend sends every follower what it is missing (or a heartbeat).
func (rf *Raft) broadcastAppend(term int) {
	for i := range rf.peers {
		if i != rf.me {
			go rf.sendAppend(i, term)
		}
	}
}

func (rf *Raft) sendAppend(i, term int) {
	rf.mu.Lock()
	if rf.state != Leader || rf.currentTerm != term {
		rf.mu.Unlock()
		return
	}
	prev := rf.nextIndex[i] - 1
	args := AppendEntriesArgs{
		Term:         term,
		LeaderId:     rf.me,
		PrevLogIndex: prev,
		PrevLogTerm:  rf.log[prev].Term,
		Entries:      append([]LogEntry(nil), rf.log[prev+1:]...),
		LeaderCommit: rf.commitIndex,
	}
	rf.mu.Unlock()

	var reply AppendEntriesReply
	if !rf.peers[i].Call("Raft.AppendEntries", &args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if reply.Term > rf.currentTerm {
		rf.becomeFollower(reply.Term)
		return
	}
	if rf.state != Leader || rf.currentTerm != term {
		return
	}
	rf.lastAck[i] = time.Now()
	if reply.Success {
		if match := prev + len(args.Entries); match > rf.matchIndex[i] {
			rf.matchIndex[i] = match
			rf.nextIndex[i] = match + 1
			rf.advanceCommit()
		}
		return
	}
	if reply.ConflictIndex > 0 {
		rf.nextIndex[i] = max(1, min(reply.ConflictIndex, len(rf.log)))
		go rf.sendAppend(i, term)
	}
}

// advanceCommit commits the newest entry of the current term that a
// majority holds.
func (rf *Raft) advanceCommit() {
	for n := len(rf.log) - 1; n > rf.commitIndex && rf.log[n].Term == rf.currentTerm; n-- {
		count := 0
		for _, m := range rf.matchIndex {
			if m >= n {
				count++
			}
		}
		if count > len(rf.peers)/2 {
			rf.commitIndex = n
			rf.applyCond.Broadcast()
			return
		}
	}
}

// applier delivers committed entries on applyCh, in order.
func (rf *Raft) applier() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for !rf.killed() {
		if rf.lastApplied >= rf.commitIndex || rf.lastApplied+1 >= len(rf.log) {
			rf.applyCond.Wait()
			continue
		}
		rf.lastApplied++
		msg := ApplyMsg{
			CommandValid: true,
			Command:      rf.log[rf.lastApplied].Command,
			CommandIndex: rf.lastApplied,
			CommandTerm:  rf.log[rf.lastApplied].Term,
		}
		rf.mu.Unlock()
		select {
		case rf.applyCh <- msg:
		case <-rf.quit:
		}
		rf.mu.Lock()
	}
}
