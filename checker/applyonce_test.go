package checker

import (
	"strings"
	"testing"
)

// TestApplyOnce feeds the checker hand-built appends, reads and copies of
// one shard: appends once each and duplicate tables that only grow along
// the shard's history pass; an append twice in a value, and a table that
// lost an entry across a move, a restart or between two copies of one
// handover, fail.
func TestApplyOnce(t *testing.T) {
	// Shard 0 moves from group 1 to 2 at configuration 2, to 3 at 3, is
	// given to no group at 4 and to group 1 at 5, then to 2 at 6.
	owners := map[int]int{1: 1, 2: 2, 3: 3, 4: 0, 5: 1, 6: 2}
	owner := func(config, shard int) (int, bool) {
		gid, ok := owners[config]
		return gid, ok && shard == 0
	}
	handed := func(config int, where string, dedup map[uint64]uint64) ShardCopy {
		return ShardCopy{Shard: 0, Config: config, Where: where, Dedup: dedup}
	}
	tests := []struct {
		name string
		run  func(a *ApplyOnce) error // the last error of its steps
		want string                   // in the error; "" for none
	}{
		{"appends once each", func(a *ApplyOnce) error {
			a.Appended("k", "c0.1 ", "c0's request 1")
			a.Appended("k", "c1.1 ", "c1's request 1")
			a.Value("k", "c0.1 ", "read by c2")
			return a.Value("k", "c0.1 c1.1 ", "read by c2")
		}, ""},
		{"an append applied twice, read", func(a *ApplyOnce) error {
			a.Appended("k", "c0.1 ", "c0's request 1")
			a.Appended("k", "c1.1 ", "c1's request 1")
			return a.Value("k", "c0.1 c1.1 c0.1 ", "read by c2")
		}, `c0's request 1, appending "c0.1 " to "k", was applied 2 times: the value of "k" read by c2 holds it 2 times`},
		{"an append applied twice, handed over", func(a *ApplyOnce) error {
			a.Appended("k", "c0.1 ", "c0's request 1")
			return a.Copy(ShardCopy{Config: 2, Where: "handed over by g1s0", Values: map[string]string{"k": "c0.1 c0.1 "}})
		}, `the value of "k" in shard 0 handed over by g1s0 holds it 2 times`},
		{"another key's value is not this key's", func(a *ApplyOnce) error {
			a.Appended("k", "c0.1 ", "c0's request 1")
			return a.Value("j", "c0.1 c0.1 ", "read by c2")
		}, ""},
		{"tables that grow along moves", func(a *ApplyOnce) error {
			a.Copy(handed(2, "to group 2", map[uint64]uint64{7: 3}))
			return a.Copy(handed(3, "to group 3", map[uint64]uint64{7: 5, 8: 1}))
		}, ""},
		{"a table lost in a move", func(a *ApplyOnce) error {
			a.ClientName(7, "c0")
			a.Copy(handed(2, "handed over by g1s0", map[uint64]uint64{7: 3, 8: 2}))
			return a.Copy(handed(3, "handed over by g2s1", map[uint64]uint64{8: 4}))
		}, "shard 0's duplicate table went back between configurations 2 and 3: the copy handed over by g1s0 records c0's write 3 as applied, the copy handed over by g2s1 records nothing"},
		{"a lower write recorded later", func(a *ApplyOnce) error {
			a.Copy(handed(2, "A", map[uint64]uint64{7: 3}))
			return a.Copy(handed(3, "B", map[uint64]uint64{7: 2}))
		}, "the copy A records client 7's write 3 as applied, the copy B records write 2"},
		{"an earlier copy seen last", func(a *ApplyOnce) error {
			a.Copy(handed(3, "B", map[uint64]uint64{8: 4}))
			return a.Copy(handed(2, "A", map[uint64]uint64{7: 3, 8: 2}))
		}, "went back between configurations 2 and 3: the copy A records client 7's write 3"},
		{"two copies of one handover that disagree", func(a *ApplyOnce) error {
			a.Copy(handed(2, "from g1s0", map[uint64]uint64{7: 3}))
			return a.Copy(handed(2, "from g1s2", map[uint64]uint64{7: 3, 8: 1}))
		}, "two copies of shard 0 handed over for configuration 2 disagree: the copy from g1s2 records client 8's write 1"},
		{"the same handover twice", func(a *ApplyOnce) error {
			a.Copy(handed(2, "from g1s0", map[uint64]uint64{7: 3}))
			return a.Copy(handed(2, "from g1s2", map[uint64]uint64{7: 3}))
		}, ""},
		{"a history dropped with a shard no group serves starts again", func(a *ApplyOnce) error {
			a.Copy(handed(3, "A", map[uint64]uint64{7: 3}))
			return a.Copy(handed(6, "B", map[uint64]uint64{}))
		}, ""},
		{"a configuration between not known: no comparison", func(a *ApplyOnce) error {
			a.Copy(handed(6, "A", map[uint64]uint64{7: 3}))
			return a.Copy(handed(8, "B", map[uint64]uint64{}))
		}, ""},
		{"a live copy behind the handover it started from", func(a *ApplyOnce) error {
			a.Copy(handed(2, "handed over by g1s0", map[uint64]uint64{7: 3}))
			return a.Copy(ShardCopy{Config: 2, Live: true, Where: "at g2s1 after its restart", Dedup: map[uint64]uint64{}})
		}, "went back during configuration 2: the copy handed over by g1s0 records client 7's write 3 as applied, the copy at g2s1 after its restart records nothing"},
		{"a live copy ahead of the next handover", func(a *ApplyOnce) error {
			a.Copy(handed(3, "handed over by g2s0", map[uint64]uint64{7: 3}))
			return a.Copy(ShardCopy{Config: 2, Live: true, Where: "at g2s1", Dedup: map[uint64]uint64{7: 4}})
		}, "went back between configurations 2 and 3: the copy at g2s1 records client 7's write 4"},
		{"live copies between handovers", func(a *ApplyOnce) error {
			a.Copy(handed(2, "A", map[uint64]uint64{7: 3}))
			a.Copy(handed(3, "B", map[uint64]uint64{7: 6}))
			if err := a.Copy(ShardCopy{Config: 2, Live: true, Where: "at g2s0", Dedup: map[uint64]uint64{7: 4}}); err != nil {
				return err
			}
			return a.Copy(ShardCopy{Config: 2, Live: true, Where: "at g2s1", Dedup: map[uint64]uint64{7: 3}})
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(NewApplyOnce(owner))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
