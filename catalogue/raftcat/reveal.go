package raftcat

import (
	"fmt"
	"reflect"

	"github.com/simlab-go/simlab/catalogue/internal/harness"
	"github.com/simlab-go/simlab/sim/node"
)

// What a server says must survive its crash: its term, its vote, the
// entries it acknowledges (checker.Revealed), fed by harness.Revealed as
// for every service on Raft: what each message reveals (Impl.Reveals) is
// noted as it is sent and recorded at delivery; a server is checked when
// it restarts, and again when a message from an incarnation before its
// latest arrives; and a leader is checked to hold the votes of a majority
// granted in its term. The catalogue adds how a delivery finds its
// sending (revealID) for any implementation, and counts the votes that
// reach their candidate late.

// revealID is what identifies msg at delivery: itself, or, for a type
// that cannot be a map key (bytes on a wire, say), its printed form; two
// messages that print alike reveal alike.
func revealID(msg any) any {
	if reflect.TypeOf(msg).Comparable() {
		return msg
	}
	return fmt.Sprintf("%T%#v", msg, msg)
}

// revealEnv notes what every message a server sends reveals.
type revealEnv struct {
	node.Env
	h *raftHost
}

func (e revealEnv) Send(to node.ID, msg any) {
	e.h.rc.revealed.Sent(e.h.id, to, e.h.srv, msg)
	e.Env.Send(to, msg)
}

// delivered records what a delivered message revealed of its sender, and
// checks the sender now if it has restarted since it sent it.
func (rc *raftCluster) delivered(from, to node.ID, msg any) {
	if rc.revealed == nil {
		return
	}
	voteTerm, err := rc.revealed.Delivered(from, to, msg)
	if voteTerm > 0 {
		if h, up := rc.host(to); up {
			if term, _ := h.srv.State(); term > voteTerm {
				rc.staleVotes++
			}
		}
	}
	if err != nil && rc.failure == nil {
		rc.failure = err
	}
}

// revealing is a running server as harness.Revealed reads it.
func (rc *raftCluster) revealing(id node.ID) (harness.RevealingServer, bool) {
	h, up := rc.host(id)
	if !up {
		return nil, false
	}
	return h.srv, true
}

// checkRevealed compares h's state with what its earlier incarnations
// revealed.
func (rc *raftCluster) checkRevealed(h *raftHost) {
	if rc.failure != nil || rc.revealed == nil {
		return
	}
	rc.failure = rc.revealed.Check(h.id, h.srv)
}

// checkElected requires a server that leads term to have been granted the
// votes of a majority in that term (harness.Revealed.Elected).
func (rc *raftCluster) checkElected(id node.ID, term int) error {
	if rc.revealed == nil {
		return nil
	}
	return rc.revealed.Elected(id, term)
}
