// Package pbservice is a primary/backup key/value service on the view
// service (systems/viewservice).
//
// The primary forwards every operation, reads included, to the backup and
// answers the client only once the backup applied it. A backup that is not
// the backup of the primary's view refuses, so a primary that a new view
// replaced cannot answer anything, not even a read. A new backup gets the
// whole state before it counts: the primary holds back its acknowledgement
// of the view naming it until the transfer is done, so the view service
// cannot promote a backup that lacks the state. Retried client operations
// apply at most once: the state carries each client's last sequence number
// and reply. Forwards and transfers carry the state's version, so a backup
// applies forwards in turn and never installs a stale state. A primary that
// has not heard from the view service for most of the dead interval takes
// no new request, since it may have been replaced.
//
// The design has a single point of failure, the view service: while it is
// down, no view changes, and when the primary then fails, nothing
// progresses.
package pbservice

import (
	"encoding/gob"

	"github.com/simlab-go/simlab/sim/node"
)

// Op kinds.
const (
	Get    = "Get"
	Put    = "Put"
	Append = "Append"
)

// Errors.
const (
	OK             = ""
	ErrWrongServer = "ErrWrongServer"
)

// Request is a client operation.
type Request struct {
	ClientID, Seq uint64
	Kind          string
	Key, Value    string
}

// Reply answers a Request.
type Reply struct {
	ClientID, Seq uint64
	Value         string
	Err           string
}

// Forward carries an operation from the primary of view Viewnum to its
// backup. Version is the number of operations the state will have applied
// with it: the backup applies it only right after the Version−1 before it,
// so a stale copy, or a backup whose state is behind, never applies it out
// of turn.
type Forward struct {
	Viewnum uint64
	Version uint64
	Req     Request
}

// ForwardReply says whether the backup applied it. Behind says the backup
// refused because its state lacks operations before it (it installed an
// older transfer): the primary sends its state again.
type ForwardReply struct {
	Viewnum       uint64
	ClientID, Seq uint64
	OK            bool
	Behind        bool
}

// Transfer is the whole state, sent to a new backup.
type Transfer struct {
	Viewnum uint64
	State   State
}

// TransferReply acknowledges a Transfer.
type TransferReply struct{ Viewnum uint64 }

// State is the replicated state: the data and every client's last
// operation with its reply, as of Version operations applied.
type State struct {
	Version      uint64
	Keys, Values []string
	Clients      []uint64
	LastSeq      []uint64
	LastValue    []string
}

func (m Request) Size() int    { return 24 + len(m.Key) + len(m.Value) }
func (m Reply) Size() int      { return 24 + len(m.Value) + len(m.Err) }
func (m Forward) Size() int    { return 16 + m.Req.Size() }
func (ForwardReply) Size() int { return 32 }
func (m Transfer) Size() int {
	n := 16
	for i := range m.State.Keys {
		n += len(m.State.Keys[i]) + len(m.State.Values[i])
	}
	for i := range m.State.Clients {
		n += 16 + len(m.State.LastValue[i])
	}
	return n
}
func (TransferReply) Size() int { return 8 }

func init() {
	for _, m := range []any{Request{}, Reply{}, Forward{}, ForwardReply{}, Transfer{}, TransferReply{}} {
		gob.Register(m)
	}
}

//simlab:readonly a mark is an ID fixed at init, never written after
var markTransfer = node.NewMark("pbservice/state-transferred",
	"a primary sent its whole state to a new backup before acknowledging the view")
