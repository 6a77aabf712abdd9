package paxoslog_test

import (
	"encoding/gob"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/paxos"
	"github.com/simlab-go/simlab/systems/paxoslog"
	"github.com/simlab-go/simlab/systems/rsm"
)

func init() { gob.Register(rsm.Command{}) }

// journal is a state machine that keeps every operation applied, in
// order: replicas agree exactly when their journals are equal.
type journal struct{ ops []string }

func (j *journal) Apply(op any) any                 { j.ops = append(j.ops, op.(string)); return len(j.ops) }
func (j *journal) Snapshot() []byte                 { return []byte(strings.Join(j.ops, "\n")) }
func (j *journal) Restore(b []byte)                 { j.ops = strings.Split(string(b), "\n") }
func (j *journal) has(op string) bool               { return slices.Contains(j.ops, op) }
func (r *replica) Handle(e node.Env, ev node.Event) { r.rsm.Handle(e, ev) }

type replica struct {
	j   *journal
	rsm *rsm.RSM
	log *paxoslog.Log
}

// world builds n replicas of a journal on paxoslog, snapshotting at
// maxState bytes.
func world(seed uint64, n, maxState int) (*sim.World, []*replica) {
	w := sim.New(seed, sim.Config{Disk: sim.DiskConfig{Torn: true}})
	ids := make([]node.ID, n)
	for i := range ids {
		ids[i] = node.ID(i)
	}
	reps := make([]*replica, n)
	for i := range ids {
		w.AddNode(fmt.Sprintf("r%d", i), func() node.Handler {
			r := &replica{j: &journal{}}
			r.rsm = rsm.New(rsm.Config{MaxRaftState: maxState}, r.j, func(a rsm.Applier) rsm.Consensus {
				r.log = paxoslog.New(paxoslog.Config{Paxos: paxos.Config{Peers: ids}}, a)
				return r.log
			})
			reps[i] = r
			return r
		})
	}
	return w, reps
}

// submit has replica i submit op; retried later by the caller if it loses.
func submit(w *sim.World, reps []*replica, i int, op string, clientID, seq uint64) {
	w.Invoke(node.ID(i), "submit "+op, func(env node.Env) {
		reps[i].rsm.Submit(env, clientID, seq, op, func(node.Env, any, error) {})
	})
}

// TestReplicasApplyOneOrder: operations submitted at every replica, under
// crashes and restarts from snapshots, end up applied once each, in one
// order, at every replica; Paxos forgets what every snapshot covers.
func TestReplicasApplyOneOrder(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		w, reps := world(seed, 3, 200)
		w.RunFor(0)
		r := node.NewRand(seed)
		const ops = 60
		for k := 0; k < ops; k++ {
			submit(w, reps, r.IntN(3), fmt.Sprint("op", k), uint64(k+1), 1)
			if k == 20 || k == 40 {
				victim := node.ID(r.IntN(3))
				w.CrashMid(victim)
				w.RunFor(30 * time.Millisecond)
				if !w.Up(victim) {
					w.Restart(victim)
				}
			}
			if err := w.RunFor(r.Duration(0, 30*time.Millisecond)); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		// Every operation until applied: a submission that lost its
		// instance is retried, as a client would, with the same id.
		for round := 0; round < 20; round++ {
			missing := 0
			for k := 0; k < ops; k++ {
				if !reps[0].j.has(fmt.Sprint("op", k)) {
					missing++
					submit(w, reps, r.IntN(3), fmt.Sprint("op", k), uint64(k+1), 1)
				}
			}
			if err := w.RunFor(300 * time.Millisecond); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if missing == 0 {
				break
			}
		}
		want := reps[0].j.ops
		for k := 0; k < ops; k++ {
			if n := strings.Count("\n"+strings.Join(want, "\n")+"\n", "\nop"+fmt.Sprint(k)+"\n"); n != 1 {
				t.Errorf("seed %d: op%d applied %d times; want once", seed, k, n)
			}
		}
		for i, rep := range reps[1:] {
			if !slices.Equal(rep.j.ops, want) {
				t.Errorf("seed %d: replica %d applied %d ops, replica 0 %d; want one order\n%v\n%v", seed, i+1, len(rep.j.ops), len(want), rep.j.ops, want)
			}
		}
		for i, rep := range reps {
			if min := rep.log.Paxos().Min(); min == 0 {
				t.Errorf("seed %d: replica %d's Paxos forgot nothing (Min 0) after snapshots", seed, i)
			}
		}
	}
}
