package shardctrler_test

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/shardctrler"
)

// ExampleConfig_Join shows the rebalancing: a third group takes three of
// ten shards, all from the groups holding most, and a leave moves only the
// leaving group's shards.
func ExampleConfig_Join() {
	g := func(gid int) shardctrler.Group { return shardctrler.Group{GID: gid, Servers: []node.ID{node.ID(gid)}} }
	c := shardctrler.Initial(10).Join([]shardctrler.Group{g(1), g(2)})
	fmt.Println(c.Num, c.Shards)
	c = c.Join([]shardctrler.Group{g(3)})
	fmt.Println(c.Num, c.Shards)
	c = c.Leave([]int{1})
	fmt.Println(c.Num, c.Shards)
	// Output:
	// 1 [1 1 1 1 1 2 2 2 2 2]
	// 2 [1 1 1 1 3 2 2 2 3 3]
	// 3 [2 2 3 3 3 2 2 2 3 3]
}
