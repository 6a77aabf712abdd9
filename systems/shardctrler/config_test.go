package shardctrler

import (
	"fmt"
	"slices"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"pgregory.net/rapid"
)

func groups(gids ...int) []Group {
	var out []Group
	for _, g := range gids {
		out = append(out, Group{GID: g, Servers: []node.ID{node.ID(g * 10), node.ID(g*10 + 1)}})
	}
	return out
}

// moved counts the shards whose group differs between a and b.
func moved(a, b Config) (n int, onto map[int]int) {
	onto = map[int]int{}
	for s := range a.Shards {
		if a.Shards[s] != b.Shards[s] {
			n++
			onto[b.Shards[s]]++
		}
	}
	return n, onto
}

func counts(c Config) []int {
	var out []int
	for _, g := range c.GIDs() {
		out = append(out, len(c.ShardsOf(g)))
	}
	return out
}

func TestRebalanceByTheLabsRules(t *testing.T) {
	c0 := Initial(DefaultNShards)
	c1 := c0.Join(groups(1))
	c2 := c1.Join(groups(2))
	c3 := c2.Join(groups(3))
	c4 := c3.Leave([]int{1})
	tests := []struct {
		name       string
		from, to   Config
		wantShards []int
		maxMoved   int
		onlyOnto   int // every moved shard goes to this group (0: any)
	}{
		{"the first group takes every shard", c0, c1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 10, 1},
		{"a second group takes half", c1, c2, []int{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, 5, 2},
		{"a third group takes NShards/3 at most, all onto it", c2, c3, nil, DefaultNShards/3 + 1, 3},
		{"a leave moves only the leaving group's shards", c3, c4, nil, len(c3.ShardsOf(1)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.to.Num != tt.from.Num+1 {
				t.Errorf("numbered %d after %d", tt.to.Num, tt.from.Num)
			}
			if tt.wantShards != nil && !slices.Equal(tt.to.Shards, tt.wantShards) {
				t.Errorf("shards %v, want %v", tt.to.Shards, tt.wantShards)
			}
			n, onto := moved(tt.from, tt.to)
			if n > tt.maxMoved {
				t.Errorf("%d shards moved, want at most %d", n, tt.maxMoved)
			}
			if tt.onlyOnto != 0 && onto[tt.onlyOnto] != n {
				t.Errorf("moves went to %v, want all onto group %d", onto, tt.onlyOnto)
			}
			for s := range tt.from.Shards {
				if tt.from.Shards[s] != tt.to.Shards[s] && tt.name == "a leave moves only the leaving group's shards" && tt.from.Shards[s] != 1 {
					t.Errorf("shard %d moved from group %d, which stays", s, tt.from.Shards[s])
				}
			}
			c := counts(tt.to)
			if slices.Max(c)-slices.Min(c) > 1 {
				t.Errorf("counts %v differ by more than one", c)
			}
		})
	}
	if !c2.Equal(Initial(10).Join(groups(1)).Join(groups(2))) {
		t.Error("the same operations made different configurations")
	}
	if c1.Shards[0] != 1 || c0.Shards[0] != 0 {
		t.Error("Join changed the configuration it was given")
	}
	if got, ok := c2.Move(3, 9); ok || !got.Equal(c2) {
		t.Errorf("a move to a missing group made %v", got)
	}
	if got, _ := c2.Move(3, 1); got.Shards[3] != 1 || got.Num != 3 || c2.Shards[3] != 1 && c2.Shards[3] == got.Shards[3] {
		t.Errorf("Move(3, 1) of %v gave %v", c2, got)
	}
}

// fewestMoves is the least number of shards any balanced assignment of
// c's shards to gids must move, by trying every choice of which groups
// take one shard above the share: an independent account of "minimal".
func fewestMoves(shards []int, gids []int) int {
	if len(gids) == 0 {
		n := 0
		for _, g := range shards {
			if g != 0 {
				n++
			}
		}
		return n
	}
	share, extra := len(shards)/len(gids), len(shards)%len(gids)
	held := make([]int, len(gids))
	for _, g := range shards {
		if i, ok := slices.BinarySearch(gids, g); ok {
			held[i]++
		}
	}
	best := 0
	var try func(i, plus, kept int)
	try = func(i, plus, kept int) {
		if i == len(gids) {
			if plus == extra {
				best = max(best, kept)
			}
			return
		}
		try(i+1, plus, kept+min(held[i], share))
		if plus < extra {
			try(i+1, plus+1, kept+min(held[i], share+1))
		}
	}
	try(0, 0, 0)
	return len(shards) - best
}

// TestRapidRebalanceIsBalancedAndMinimal draws sequences of joins, leaves
// and moves: after every join and leave the counts differ by at most one,
// every shard has a member group (if any), and no assignment could have
// moved fewer shards.
func TestRapidRebalanceIsBalancedAndMinimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nShards := rapid.IntRange(1, 20).Draw(t, "nShards")
		c := Initial(nShards)
		for step := 0; step < 12; step++ {
			var next Config
			switch rapid.IntRange(0, 2).Draw(t, fmt.Sprint("op", step)) {
			case 0:
				gids := rapid.SliceOfNDistinct(rapid.IntRange(1, 30), 1, 3, rapid.ID).Draw(t, fmt.Sprint("join", step))
				next = c.Join(groups(gids...))
			case 1:
				if len(c.Groups) == 0 {
					continue
				}
				gids := rapid.SliceOfNDistinct(rapid.SampledFrom(c.GIDs()), 1, len(c.Groups), rapid.ID).Draw(t, fmt.Sprint("leave", step))
				next = c.Leave(gids)
			default:
				if len(c.Groups) == 0 {
					continue
				}
				var ok bool
				next, ok = c.Move(rapid.IntRange(0, nShards-1).Draw(t, fmt.Sprint("shard", step)), rapid.SampledFrom(c.GIDs()).Draw(t, fmt.Sprint("to", step)))
				if !ok {
					t.Fatal("a move to a member group refused")
				}
				c = next
				continue
			}
			for s, g := range next.Shards {
				if _, member := next.group(g); len(next.Groups) > 0 && !member {
					t.Fatalf("%v: shard %d has group %d, not a member", next, s, g)
				}
			}
			if cs := counts(next); len(cs) > 0 && slices.Max(cs)-slices.Min(cs) > 1 {
				t.Fatalf("%v: counts %v differ by more than one", next, cs)
			}
			n, _ := moved(c, next)
			if want := fewestMoves(c.Shards, next.GIDs()); n != want {
				t.Fatalf("%v → %v moved %d shards; %d would do", c, next, n, want)
			}
			c = next
		}
	})
}
