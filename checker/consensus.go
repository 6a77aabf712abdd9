package checker

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/bits"
	"reflect"
)

// LogView is one consensus server's state as the invariant checker sees it.
type LogView struct {
	// Node identifies the server; Incarnation changes whenever its memory
	// was lost (a restart), since volatile state may then start over.
	Node        int
	Incarnation uint64
	Term        int
	Leader      bool // believes it leads in Term
	CommitIndex int
	// FirstIndex and LastIndex bound the entries the server holds:
	// Entry(i) answers for FirstIndex ≤ i ≤ LastIndex (FirstIndex may be
	// a snapshot boundary whose entry is known only by term and chain).
	FirstIndex int
	LastIndex  int
	// Entry returns the term of the entry at i and a hash of the whole log
	// up to and including it (so equal hashes mean equal prefixes), for a
	// system that keeps such a chain (simlab's Raft does).
	Entry func(i int) (term int, chain uint64, ok bool)
	// EntryData is the alternative for a system that keeps no chain: the
	// term and the command bytes of the entry at i (at FirstIndex, the term
	// of the snapshot's last included entry; its data is not asked for).
	// The checker derives the chain itself, anchoring a snapshot boundary
	// on the entry it saw committed there. Set one of Entry and EntryData.
	EntryData func(i int) (term int, data []byte, ok bool)
}

// Consensus checks the safety properties of Raft-style consensus (Figure 3
// of the Raft paper) over a run, one observation at a time:
//
//   - election safety: at most one leader per term;
//   - log matching: entries with the same index and term have identical
//     logs up to them;
//   - leader completeness: a leader of term T holds every entry committed
//     in a term before T;
//   - committed entries agree: every server's log agrees at its commit
//     index with what was committed there;
//   - leader append-only: while a server leads a term it never overwrites
//     or deletes an entry of its log (within one incarnation: what it
//     last held as leader is still there, the same, at every observation);
//   - commit index never goes backwards within an incarnation.
//
// State machine safety is checked where commands are applied (Applied).
// Checking costs O(new entries) per observation, not O(log); for views
// without a chain (EntryData), the checker also re-derives each server's
// whole log once every as many observations as the log is long, so an
// entry rewritten in the middle of a log is found at amortized constant
// cost.
type Consensus struct {
	// Equal compares two applied commands; nil means bytes.Equal for
	// []byte, == for comparable values and reflect.DeepEqual otherwise.
	Equal func(a, b any) bool

	leaders   map[int]int          // term → leader
	chains    map[[2]int]uint64    // (index, term) → chain hash
	committed []commitRecord       // increasing index
	perNode   map[int]*nodeRecord  // by Node
	applied   map[int]appliedEntry // index → what was applied there
	// committedTerm[i] is the term of the entry committed at i, where
	// known (0: not known).
	committedTerm []int
	unanchored    int
}

type commitRecord struct {
	index, term int // term: the committing server's term when seen
	chain       uint64
}

type nodeRecord struct {
	incarnation uint64
	commit      int
	checked     int    // entries (FirstIndex, checked] passed log matching
	chainAt     uint64 // chain at checked when checked

	// While the server leads: the term it leads, its last entry when last
	// observed and that entry's chain (and whether it was anchored).
	leading      bool
	leadTerm     int
	leadLast     int
	leadChain    uint64
	leadAnchored bool

	// For views without a chain: the log as last derived, shadow[k]
	// being the entry at shadowFirst+k (shadow[0] the anchor), whether
	// it is anchored on entries the checker saw, and observations since
	// the whole log was last re-derived.
	shadowFirst int
	shadow      []shadowEntry
	anchored    bool
	sinceFull   int
}

type shadowEntry struct {
	term  int
	sum   uint64 // hash of the entry's data
	chain uint64
}

func (r *nodeRecord) shadowLast() int { return r.shadowFirst + len(r.shadow) - 1 }

func (r *nodeRecord) shadowAt(i int) (shadowEntry, bool) {
	if len(r.shadow) == 0 || i < r.shadowFirst || i > r.shadowLast() {
		return shadowEntry{}, false
	}
	return r.shadow[i-r.shadowFirst], true
}

type appliedEntry struct {
	node    int
	command any
}

// NewConsensus returns a checker that has seen nothing.
func NewConsensus() *Consensus {
	return &Consensus{leaders: map[int]int{}, chains: map[[2]int]uint64{}, perNode: map[int]*nodeRecord{}, applied: map[int]appliedEntry{}}
}

// Observe checks one observation of every server that is up.
func (c *Consensus) Observe(views []LogView) error {
	for _, v := range views {
		if err := c.observeLog(v); err != nil {
			return err
		}
	}
	for _, v := range views {
		if err := c.observeCommit(v); err != nil {
			return err
		}
	}
	for _, v := range views {
		if !v.Leader {
			c.perNode[v.Node].leading = false
			continue
		}
		if other, ok := c.leaders[v.Term]; ok && other != v.Node {
			return fmt.Errorf("election safety: servers %d and %d both lead term %d", other, v.Node, v.Term)
		}
		c.leaders[v.Term] = v.Node
		if err := c.checkLeaderComplete(v); err != nil {
			return err
		}
		if err := c.checkAppendOnly(v); err != nil {
			return err
		}
	}
	return nil
}

// checkAppendOnly checks that a leader only appends: the last entry it
// held when last observed leading the same term is still in its log, with
// the same chain (so the same entries up to it). An entry it compacted
// into a snapshot since is not asked for; its log must still reach it.
func (c *Consensus) checkAppendOnly(v LogView) error {
	rec := c.perNode[v.Node]
	if rec.leading && rec.leadTerm == v.Term && rec.leadLast > 0 {
		if v.LastIndex < rec.leadLast {
			return fmt.Errorf("leader append-only: server %d, leading term %d, held entries up to %d and now only up to %d: a leader deleted entries of its log", v.Node, v.Term, rec.leadLast, v.LastIndex)
		}
		if _, chain, ok, anchored := c.entry(v, rec.leadLast); ok && anchored && rec.leadAnchored && chain != rec.leadChain {
			return fmt.Errorf("leader append-only: server %d, leading term %d, holds a different log up to its entry %d than it held there before: a leader overwrote entries of its log", v.Node, v.Term, rec.leadLast)
		}
	}
	rec.leading, rec.leadTerm, rec.leadLast = true, v.Term, v.LastIndex
	rec.leadChain, rec.leadAnchored = 0, false
	if v.LastIndex > 0 {
		_, chain, ok, anchored := c.entry(v, v.LastIndex)
		rec.leadChain, rec.leadAnchored = chain, ok && anchored
	}
	return nil
}

// record returns v's node record, starting a fresh one for a new
// incarnation.
func (c *Consensus) record(v LogView) *nodeRecord {
	rec := c.perNode[v.Node]
	if rec == nil || rec.incarnation != v.Incarnation {
		rec = &nodeRecord{incarnation: v.Incarnation}
		c.perNode[v.Node] = rec
	}
	return rec
}

// observeLog checks log matching on the entries of v not checked yet.
func (c *Consensus) observeLog(v LogView) error {
	rec := c.record(v)
	if v.Entry == nil {
		if v.EntryData == nil {
			return fmt.Errorf("checker: the view of server %d sets neither Entry nor EntryData", v.Node)
		}
		return c.observeDerived(v, rec)
	}
	from := v.FirstIndex
	if rec.checked >= v.FirstIndex && rec.checked <= v.LastIndex {
		if _, chain, ok := v.Entry(rec.checked); ok && chain == rec.chainAt {
			from = rec.checked + 1 // the prefix is unchanged since last time
		}
	}
	for i := from; i <= v.LastIndex; i++ {
		term, chain, ok := v.Entry(i)
		if !ok {
			return fmt.Errorf("server %d reports log (%d, %d] but has no entry %d", v.Node, v.FirstIndex, v.LastIndex, i)
		}
		if err := c.matchLog(v.Node, i, term, chain); err != nil {
			return err
		}
	}
	rec.checked = v.LastIndex
	_, rec.chainAt, _ = v.Entry(v.LastIndex)
	return nil
}

// matchLog checks one entry against every other server's entry with the
// same index and term: they must follow the same log.
func (c *Consensus) matchLog(node, i, term int, chain uint64) error {
	key := [2]int{i, term}
	if known, seen := c.chains[key]; seen && known != chain {
		return fmt.Errorf("log matching: server %d's entry %d of term %d follows a different log than another server's entry %d of term %d", node, i, term, i, term)
	} else if !seen && i > 0 {
		c.chains[key] = chain
	}
	return nil
}

// observeDerived is observeLog for a view without a chain: it derives the
// chain from (index, term, data), reusing what it derived before for the
// prefix that has not changed.
func (c *Consensus) observeDerived(v LogView, rec *nodeRecord) error {
	first := v.FirstIndex
	missing := func(i int) error {
		return fmt.Errorf("server %d reports log (%d, %d] but has no entry %d", v.Node, first, v.LastIndex, i)
	}
	baseTerm, _, ok := v.EntryData(first)
	if !ok {
		return missing(first)
	}
	// The chain at the first index: 0 at the start of the log; what was
	// derived before if this server still holds that entry; else the chain
	// of the entry seen there on some server (a snapshot holds committed
	// entries only, which every server's log showed before they were
	// compacted).
	anchor, anchored := uint64(0), true
	if first > 0 {
		if e, ok := rec.shadowAt(first); ok && e.term == baseTerm && rec.anchored {
			anchor = e.chain
		} else if ch, seen := c.chains[[2]int{first, baseTerm}]; seen {
			anchor = ch
		} else if t := c.termCommittedAt(first); t != 0 && t != baseTerm {
			return fmt.Errorf("committed entries disagree: server %d holds a snapshot up to index %d of term %d, but the entry committed at %d has term %d", v.Node, first, baseTerm, first, t)
		} else {
			anchored = false
			anchor = chainHash(0xa2c404, baseTerm, uint64(first))
			c.unanchored++
		}
	}
	// From where must the log be derived again? Everything, if the anchor
	// moved or a full pass is due; else from the first entry that differs
	// from what was derived, looking back from the last one checked.
	from := first + 1
	if e, ok := rec.shadowAt(first); ok && e.chain == anchor && rec.anchored == anchored && rec.sinceFull < len(rec.shadow) {
		rec.sinceFull++
		k := min(rec.shadowLast(), v.LastIndex)
		for ; k > first; k-- {
			term, data, ok := v.EntryData(k)
			if !ok {
				return missing(k)
			}
			if e, _ := rec.shadowAt(k); e.term == term && e.sum == dataHash(data) {
				break
			}
		}
		from = k + 1
	} else {
		rec.sinceFull = 0
	}
	// Keep the shadow of [first, from) and derive the rest.
	if _, ok := rec.shadowAt(first); ok && from > first+1 {
		rec.shadow = append(rec.shadow[:0], rec.shadow[first-rec.shadowFirst:from-rec.shadowFirst]...)
	} else {
		rec.shadow = append(rec.shadow[:0], shadowEntry{term: baseTerm, chain: anchor})
	}
	rec.shadowFirst, rec.anchored = first, anchored
	prev := rec.shadow[len(rec.shadow)-1].chain
	for i := from; i <= v.LastIndex; i++ {
		term, data, ok := v.EntryData(i)
		if !ok {
			return missing(i)
		}
		sum := dataHash(data)
		chain := chainHash(prev, term, sum)
		if anchored {
			if err := c.matchLog(v.Node, i, term, chain); err != nil {
				return err
			}
		}
		rec.shadow = append(rec.shadow, shadowEntry{term: term, sum: sum, chain: chain})
		prev = chain
	}
	return nil
}

// entry is the term and chain of v's entry at i, taken from v.Entry or
// derived, and whether the chain is anchored on entries the checker saw.
func (c *Consensus) entry(v LogView, i int) (term int, chain uint64, ok, anchored bool) {
	if v.Entry != nil {
		term, chain, ok = v.Entry(i)
		return term, chain, ok, true
	}
	rec := c.perNode[v.Node]
	e, ok := rec.shadowAt(i)
	if !ok || i > v.LastIndex {
		return 0, 0, false, true
	}
	return e.term, e.chain, true, rec.anchored
}

func (c *Consensus) termCommittedAt(i int) int {
	if i < len(c.committedTerm) {
		return c.committedTerm[i]
	}
	return 0
}

// Unanchored counts observations of a server holding a snapshot the
// checker could not tie to entries it saw (which a correct run of a
// cluster of more than one server does not produce): log matching,
// commitment and leader completeness went unchecked for that server's log
// then. A scenario should treat a non-zero count as an undecided check.
func (c *Consensus) Unanchored() int { return c.unanchored }

// dataHash is FNV-1a over an entry's data.
func dataHash(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return h.Sum64()
}

// chainHash folds one entry into the hash of the log before it.
func chainHash(prev uint64, term int, sum uint64) uint64 {
	x := prev ^ (uint64(term) * 0x9e3779b97f4a7c15) ^ sum
	return bits.RotateLeft64(x*0xbf58476d1ce4e5b9, 31) * 0x94d049bb133111eb
}

func (c *Consensus) observeCommit(v LogView) error {
	rec := c.perNode[v.Node]
	if v.CommitIndex < rec.commit {
		return fmt.Errorf("server %d's commit index went back from %d to %d", v.Node, rec.commit, v.CommitIndex)
	}
	rec.commit = v.CommitIndex
	if v.CommitIndex < v.FirstIndex || v.CommitIndex == 0 {
		return nil
	}
	_, chain, ok, anchored := c.entry(v, v.CommitIndex)
	if !ok {
		return fmt.Errorf("server %d's commit index %d is beyond its log (%d, %d]", v.Node, v.CommitIndex, v.FirstIndex, v.LastIndex)
	}
	if !anchored {
		return nil // counted in Unanchored
	}
	n := len(c.committed)
	if n == 0 || v.CommitIndex > c.committed[n-1].index {
		c.committed = append(c.committed, commitRecord{v.CommitIndex, v.Term, chain})
		if v.Entry == nil {
			// Remember the terms of the newly committed entries, to
			// tell a snapshot that contradicts them.
			for i := max(len(c.committedTerm), v.FirstIndex); i <= v.CommitIndex; i++ {
				t, _, _, _ := c.entry(v, i)
				for len(c.committedTerm) < i {
					c.committedTerm = append(c.committedTerm, 0)
				}
				c.committedTerm = append(c.committedTerm, t)
			}
		}
		return nil
	}
	// Compare with the record at or just above v.CommitIndex: the prefix
	// it covers must include v's committed prefix unchanged.
	for k := n - 1; k >= 0 && c.committed[k].index >= v.CommitIndex; k-- {
		if c.committed[k].index == v.CommitIndex && c.committed[k].chain != chain {
			return fmt.Errorf("committed entries disagree: server %d committed a different log up to %d than was committed there before", v.Node, v.CommitIndex)
		}
	}
	return nil
}

// checkLeaderComplete checks that leader v holds the latest entry
// committed in a term before its own, and so (by log matching) every
// earlier committed entry.
func (c *Consensus) checkLeaderComplete(v LogView) error {
	for k := len(c.committed) - 1; k >= 0; k-- {
		r := c.committed[k]
		if r.term >= v.Term {
			continue
		}
		if r.index < v.FirstIndex {
			return nil // covered by the leader's snapshot, which only holds committed state
		}
		_, chain, ok, anchored := c.entry(v, r.index)
		if !anchored {
			return nil // counted in Unanchored
		}
		if !ok || chain != r.chain {
			return fmt.Errorf("leader completeness: server %d leads term %d without entry %d, committed in term %d", v.Node, v.Term, r.index, r.term)
		}
		return nil
	}
	return nil
}

// Applied checks state machine safety when server node applies command at
// index: no other server applied a different command there. Commands are
// compared with Equal.
func (c *Consensus) Applied(node, index int, command any) error {
	if prev, ok := c.applied[index]; ok {
		eq := c.Equal
		if eq == nil {
			eq = equalCommands
		}
		if !eq(prev.command, command) {
			return fmt.Errorf("state machine safety: server %d applied %v at index %d, server %d applied %v", node, command, index, prev.node, prev.command)
		}
		return nil
	}
	c.applied[index] = appliedEntry{node, command}
	return nil
}

// equalCommands is the default equality of applied commands: byte slices
// by content, comparable values with ==, anything else (a slice, a map, a
// struct holding one) with reflect.DeepEqual, so no command type panics.
func equalCommands(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && bytes.Equal(ab, bb)
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if ta.Comparable() {
		if eq, ok := safeEqual(a, b); ok {
			return eq
		}
	}
	return reflect.DeepEqual(a, b)
}

// safeEqual is a == b, or ok false when == panics (an interface field
// holding an uncomparable value).
func safeEqual(a, b any) (eq, ok bool) {
	defer func() {
		if recover() != nil {
			eq, ok = false, false
		}
	}()
	return a == b, true
}

// AppliedCommand returns what was applied at index, if any server did.
func (c *Consensus) AppliedCommand(index int) (any, bool) {
	a, ok := c.applied[index]
	return a.command, ok
}

// Leaders returns how many distinct terms had a leader.
func (c *Consensus) Leaders() int { return len(c.leaders) }
