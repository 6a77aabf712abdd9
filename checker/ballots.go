package checker

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// Ballots checks Paxos where a mistake starts rather than where it shows.
// Two proposers deciding different values needs a rare interleaving after
// the mistake; the mistake itself is plain the moment it is made:
//
//   - P2c at the proposer: the value sent in phase 2 under proposal n must
//     be the value of the highest-numbered proposal accepted among some
//     majority of the promises n received (any value, if none of them had
//     accepted anything). A proposer that ignores what its acceptors
//     accepted breaks it on the first such round, chosen value or not.
//   - One value per proposal number, and P2b: once a majority has accepted
//     (n, v), every proposal numbered above n carries v.
//   - What an acceptor revealed survives its crash: a promise or an
//     acceptance that reached another peer must be in its state when it
//     restarts, and whenever a message it sent before its restart arrives.
//
// A harness feeds it facts as they happen: a promise as it reaches its
// proposer (Promised), an acceptance seen in a reply or in an acceptor's
// state (Accepted), a phase 2 message as it is sent (Proposed), and an
// acceptor's state after its restart (CheckAcceptor). Instances are
// numbered by seq, peers by any int.
type Ballots struct {
	majority int
	inst     map[int]*ballotInstance
}

type ballotInstance struct {
	values   map[int][]byte       // by proposal number: the value proposed under it
	accepted map[int]map[int]bool // by proposal number: the acceptors that accepted it
	chosenN  int                  // the lowest proposal a majority accepted; 0 for none
	// promises[n][acceptor] is the promise acceptor made to proposal n,
	// as it reached n's proposer.
	promises map[int]map[int]promise
	// revealed[acceptor] is the most an acceptor told another peer.
	revealed map[int]promise
}

// promise is an acceptor's answer to phase 1: it promised np and had
// accepted na (0 for nothing) with va.
type promise struct {
	np, na int
	va     []byte
}

// NewBallots returns a checker for a group of peers acceptors.
func NewBallots(peers int) *Ballots {
	return &Ballots{majority: peers/2 + 1, inst: map[int]*ballotInstance{}}
}

func (b *Ballots) instance(seq int) *ballotInstance {
	in := b.inst[seq]
	if in == nil {
		in = &ballotInstance{values: map[int][]byte{}, accepted: map[int]map[int]bool{},
			promises: map[int]map[int]promise{}, revealed: map[int]promise{}}
		b.inst[seq] = in
	}
	return in
}

// Promised records that acceptor's promise to proposal n of seq reached
// n's proposer, saying it had accepted na (0 for nothing) with va. revealed
// says it crossed the network (a peer's promise to its own proposer is
// seen in its state, and is no message to keep).
func (b *Ballots) Promised(seq, acceptor, n, na int, va []byte, revealed bool) error {
	in := b.instance(seq)
	byAcceptor := in.promises[n]
	if byAcceptor == nil {
		byAcceptor = map[int]promise{}
		in.promises[n] = byAcceptor
	}
	byAcceptor[acceptor] = promise{np: n, na: na, va: slices.Clone(va)}
	if revealed {
		in.reveal(acceptor, n, na)
	}
	if na > 0 {
		return b.Accepted(seq, acceptor, na, va, revealed)
	}
	return nil
}

func (in *ballotInstance) reveal(acceptor, np, na int) {
	r := in.revealed[acceptor]
	r.np, r.na = max(r.np, np), max(r.na, na)
	in.revealed[acceptor] = r
}

// Accepted records that acceptor accepted proposal n of seq with value v;
// revealed says another peer learned it from a message.
func (b *Ballots) Accepted(seq, acceptor, n int, v []byte, revealed bool) error {
	in := b.instance(seq)
	if revealed {
		in.reveal(acceptor, n, n)
	}
	if err := b.value(seq, n, v, fmt.Sprintf("acceptor %d accepted", acceptor)); err != nil {
		return err
	}
	who := in.accepted[n]
	if who == nil {
		who = map[int]bool{}
		in.accepted[n] = who
	}
	who[acceptor] = true
	if len(who) < b.majority || (in.chosenN != 0 && in.chosenN <= n) {
		return nil
	}
	in.chosenN = n
	// Every proposal above the chosen one must carry its value, those
	// already made included.
	for _, m := range node.SortedKeys(in.values) {
		if m > n && !bytes.Equal(in.values[m], in.values[n]) {
			return fmt.Errorf("instance %d: proposal %d was accepted by a majority with %q, yet proposal %d carries %q (P2b: every higher proposal must carry a chosen value)", seq, n, short(in.values[n]), m, short(in.values[m]))
		}
	}
	return nil
}

// Acknowledged records that acceptor told another peer it accepted
// proposal n of seq (a phase 2b reply), whose value the proposal's phase
// 2 message carried.
func (b *Ballots) Acknowledged(seq, acceptor, n int) error {
	v, ok := b.instance(seq).values[n]
	if !ok {
		return fmt.Errorf("instance %d: acceptor %d acknowledged proposal %d, which no proposer sent", seq, acceptor, n)
	}
	return b.Accepted(seq, acceptor, n, v, true)
}

// value records that proposal n of seq carries v, and fails if it carried
// another before or breaks a chosen value.
func (b *Ballots) value(seq, n int, v []byte, who string) error {
	in := b.instance(seq)
	if old, ok := in.values[n]; ok {
		if !bytes.Equal(old, v) {
			return fmt.Errorf("instance %d: %s %q under proposal %d, which carried %q before: one proposal number, one value", seq, who, short(v), n, short(old))
		}
		return nil
	}
	in.values[n] = slices.Clone(v)
	if c := in.chosenN; c != 0 && n > c && !bytes.Equal(in.values[c], v) {
		return fmt.Errorf("instance %d: %s %q under proposal %d, yet proposal %d was accepted by a majority with %q (P2b: every higher proposal must carry a chosen value)", seq, who, short(v), n, c, short(in.values[c]))
	}
	return nil
}

// Proposed checks a phase 2 message of proposal n of seq carrying v
// against the promises n had received (P2c) and the values chosen.
func (b *Ballots) Proposed(seq, n int, v []byte) error {
	in := b.instance(seq)
	got := in.promises[n]
	if len(got) < b.majority {
		return fmt.Errorf("instance %d: proposal %d went to phase 2 with %d promises; a majority is %d", seq, n, len(got), b.majority)
	}
	if !p2c(got, v, b.majority) {
		var ps []string
		for _, a := range node.SortedKeys(got) {
			p := got[a]
			if p.na == 0 {
				ps = append(ps, fmt.Sprintf("%d: nothing accepted", a))
			} else {
				ps = append(ps, fmt.Sprintf("%d: accepted %d with %q", a, p.na, short(p.va)))
			}
		}
		return fmt.Errorf("instance %d: proposal %d sent %q in phase 2, which no majority of its promises allows (P2c: the value of the highest proposal they accepted); its promises by acceptor: %v", seq, n, short(v), ps)
	}
	return b.value(seq, n, v, fmt.Sprintf("proposal %d sent", n))
}

// p2c reports whether some majority of the promises allows v: all of them
// accepted nothing, or the highest proposal they accepted carried v.
func p2c(got map[int]promise, v []byte, majority int) bool {
	ps := make([]promise, 0, len(got))
	for _, a := range node.SortedKeys(got) {
		ps = append(ps, got[a])
	}
	slices.SortStableFunc(ps, func(x, y promise) int { return x.na - y.na })
	if ps[majority-1].na == 0 {
		return true // the lowest majority accepted nothing: any value
	}
	for _, r := range ps {
		if r.na == 0 || !bytes.Equal(r.va, v) {
			continue
		}
		k := 0
		for _, q := range ps {
			if q.na < r.na || (q.na == r.na && bytes.Equal(q.va, v)) {
				k++
			}
		}
		if k >= majority {
			return true
		}
	}
	return false
}

// CheckAcceptor compares an acceptor's state with what it revealed of
// every instance: state gives, for an instance, the proposal it promised
// and the one it accepted last, or settled when it no longer keeps them
// (decided, or forgotten below its Min). Call it when the acceptor
// restarts.
func (b *Ballots) CheckAcceptor(acceptor int, state func(seq int) (np, na int, settled bool)) error {
	for _, seq := range node.SortedKeys(b.inst) {
		if _, ok := b.inst[seq].revealed[acceptor]; !ok {
			continue
		}
		np, na, settled := state(seq)
		if err := b.CheckInstance(seq, acceptor, np, na, settled); err != nil {
			return err
		}
	}
	return nil
}

// CheckInstance is CheckAcceptor for one instance: call it when a message
// an earlier incarnation of the acceptor sent about seq arrives.
func (b *Ballots) CheckInstance(seq, acceptor, np, na int, settled bool) error {
	in := b.inst[seq]
	if in == nil || settled {
		return nil
	}
	r, ok := in.revealed[acceptor]
	switch {
	case !ok:
	case np < r.np:
		return fmt.Errorf("instance %d: acceptor %d promised proposal %d to another peer, and now holds a promise of %d: a promise must be durable before it is sent", seq, acceptor, r.np, np)
	case na < r.na:
		return fmt.Errorf("instance %d: acceptor %d told another peer it accepted proposal %d, and now holds %d as its last accepted: an acceptance must be durable before it is sent", seq, acceptor, r.na, na)
	}
	return nil
}

func short(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + fmt.Sprintf("… (%d bytes)", len(v))
	}
	return string(v)
}
