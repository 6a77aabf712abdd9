package checker

import (
	"fmt"
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
	// up to and including it (so equal hashes mean equal prefixes).
	Entry func(i int) (term int, chain uint64, ok bool)
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
//   - commit index never goes backwards within an incarnation.
//
// State machine safety is checked where commands are applied (Applied).
// Checking costs O(new entries) per observation, not O(log).
type Consensus struct {
	leaders   map[int]int          // term → leader
	chains    map[[2]int]uint64    // (index, term) → chain hash
	committed []commitRecord       // increasing index
	perNode   map[int]*nodeRecord  // by Node
	applied   map[int]appliedEntry // index → what was applied there
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
			continue
		}
		if other, ok := c.leaders[v.Term]; ok && other != v.Node {
			return fmt.Errorf("election safety: servers %d and %d both lead term %d", other, v.Node, v.Term)
		}
		c.leaders[v.Term] = v.Node
		if err := c.checkLeaderComplete(v); err != nil {
			return err
		}
	}
	return nil
}

// observeLog checks log matching on the entries of v not checked yet.
func (c *Consensus) observeLog(v LogView) error {
	rec := c.perNode[v.Node]
	if rec == nil || rec.incarnation != v.Incarnation {
		rec = &nodeRecord{incarnation: v.Incarnation}
		c.perNode[v.Node] = rec
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
		key := [2]int{i, term}
		if known, seen := c.chains[key]; seen && known != chain {
			return fmt.Errorf("log matching: server %d's entry %d of term %d follows a different log than another server's entry %d of term %d", v.Node, i, term, i, term)
		} else if !seen && i > 0 {
			c.chains[key] = chain
		}
	}
	rec.checked = v.LastIndex
	_, rec.chainAt, _ = v.Entry(v.LastIndex)
	return nil
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
	_, chain, ok := v.Entry(v.CommitIndex)
	if !ok {
		return fmt.Errorf("server %d's commit index %d is beyond its log (%d, %d]", v.Node, v.CommitIndex, v.FirstIndex, v.LastIndex)
	}
	n := len(c.committed)
	if n == 0 || v.CommitIndex > c.committed[n-1].index {
		c.committed = append(c.committed, commitRecord{v.CommitIndex, v.Term, chain})
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
		_, chain, ok := v.Entry(r.index)
		if !ok || chain != r.chain {
			return fmt.Errorf("leader completeness: server %d leads term %d without entry %d, committed in term %d", v.Node, v.Term, r.index, r.term)
		}
		return nil
	}
	return nil
}

// Applied checks state machine safety when server node applies command at
// index: no other server applied a different command there. Commands are
// compared with ==, so they must be comparable values.
func (c *Consensus) Applied(node, index int, command any) error {
	if prev, ok := c.applied[index]; ok {
		if prev.command != command {
			return fmt.Errorf("state machine safety: server %d applied %v at index %d, server %d applied %v", node, command, index, prev.node, prev.command)
		}
		return nil
	}
	c.applied[index] = appliedEntry{node, command}
	return nil
}

// AppliedCommand returns what was applied at index, if any server did.
func (c *Consensus) AppliedCommand(index int) (any, bool) {
	a, ok := c.applied[index]
	return a.command, ok
}

// Leaders returns how many distinct terms had a leader.
func (c *Consensus) Leaders() int { return len(c.leaders) }
