package raftcat

import (
	"time"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/sim/node"
)

// Impl is a Raft implementation the catalogue can host. Register(impl)
// registers the generic catalogue for it under impl.Name: "raft" gives
// raft/basic-agree, raft/figure8, …; "etcdraft" gives etcdraft/basic-agree.
type Impl struct {
	// Name prefixes the scenarios' names.
	Name string
	// Title names the implementation in the scenarios' summaries, such as
	// "simlab's Raft" or "etcd's Raft".
	Title string
	// New builds one incarnation of one server: once when the node is
	// added and again at every restart (the node's disk survives, its
	// memory does not). The server hands what it commits to app.
	New func(cfg Config, app Applier) Server
	// LeadIn is how many entries a new cluster of n servers writes before
	// the first command it is given (etcd's Raft: one configuration
	// change per server, then the first leader's empty entry; simlab's:
	// none). The catalogue's index checks count from there.
	LeadIn func(servers int) int
	// ElectionEntry says a new leader appends an entry of its own before
	// any command (etcd's empty entry), so a leader change moves the next
	// command's index on by one.
	ElectionEntry bool
	// Classify, if set, names a message the servers exchange ("MsgApp",
	// say, where the Go type is one for all) and reports whether it is a
	// follower refusing the leader's entries. A run stuck waiting for
	// agreement then says how many of the leader's messages a lagging
	// server refused. Without it, messages are named by their Go type.
	Classify func(msg any) (kind string, refusal bool)
	// Reveals, if set, says what a message tells of its sender's durable
	// state, so that the catalogue can check, when the sender restarts,
	// that its new incarnation still holds it (checker.Revealed): the
	// term the message carries as the sender's own, the last log index a
	// follower's reply acknowledges holding, and a vote it grants the
	// receiver.
	Reveals func(msg any) Reveal
	// MsgTypes names the Go types of the messages swarm faults may aim
	// at (msgdelay, msgdup): the replies of a round, whose late copies
	// test what a server does with an answer to a question it no longer
	// asks. Empty: no aimed faults.
	MsgTypes []string
}

// Reveal is what one message tells of its sender's durable state; zero
// fields tell nothing: Term, the sender's current term as the message
// carries it (0 for a message whose term is not the sender's own, such as
// a pre-vote request's); Ack, the last index of the log the sender
// acknowledges holding (a successful answer to the leader's entries, or an
// installed snapshot); VoteTerm, the term in which the sender grants the
// receiver its vote (0: none). It is the harness's (harness.Reveal), which
// checks the services on simlab's Raft the same way.
type Reveal = harness.Reveal

// Voter is a Server that says whom it voted for, so that a vote it granted
// is checked to survive its restart too.
type Voter interface {
	// Vote is the server's current term and whom it voted for in it
	// (node.None for nobody).
	Vote() (term int, votedFor node.ID)
}

// Config is what a scenario asks of the servers it builds.
type Config struct {
	// Peers lists every server of the cluster, this one included, in the
	// same order for every server.
	Peers []node.ID
	// PreVote and CheckQuorum turn on the extensions of those names
	// (Ongaro's thesis, sections 9.6 and 6.2).
	PreVote, CheckQuorum bool
}

// Applier is the service above a server: the catalogue's, which checks
// state machine safety as it applies. A server calls it from within its
// node's handler, in index order, once per index per incarnation.
type Applier interface {
	// ApplyCommand applies the committed entry at index. command is the
	// data given to Start, or nil for an entry that carries no command
	// of the service (a leader's empty entry, a configuration change).
	ApplyCommand(env node.Env, index, term int, command []byte)
	// ApplySnapshot replaces the service's state with a snapshot taken
	// (by Snapshot, on this server or another) after index: at boot, from
	// the disk, or when a leader sent one.
	ApplySnapshot(env node.Env, index, term int, snapshot []byte)
}

// Server is one incarnation of one Raft server, hosted in a node: the
// catalogue's node handler passes it every event of the node.
type Server interface {
	node.Handler
	// Start proposes command, as a client of this server would; it
	// returns the index the command will have if it commits, the current
	// term and whether this server believes it leads (if not, it does
	// nothing).
	Start(env node.Env, command []byte) (index, term int, isLeader bool)
	// State is the current term and whether this server believes it
	// leads.
	State() (term int, isLeader bool)
	// Log is the server's log as the invariant checker sees it; Node and
	// Incarnation are filled in by the catalogue. A server that keeps no
	// chain hash gives EntryData and the checker derives one.
	Log() checker.LogView
	// Snapshot tells the server that the service saved its state after
	// applying every entry up to index (an index it applied), so it may
	// compact its log.
	Snapshot(env node.Env, index int, snapshot []byte)
	// PersistedSize is the size in bytes of the Raft state this server
	// keeps on its disk, the snapshot excluded: what a service watches to
	// decide when to snapshot.
	PersistedSize() int
	// ElectionTimeoutMax is the longest an election timeout can be.
	ElectionTimeoutMax() time.Duration
}
