// Package catalogue links every scenario catalogue of simlab into a
// program: import it for its side effect, as cmd/simrun does, and every
// register/, raft/, kv/, kvsrv/, lock/, mapreduce/, paxos/, pbservice/, shardctrler/, shardkv/ and viewservice/ scenario is
// registered.
//
//	import _ "github.com/simlab-go/simlab/catalogue"
//
// Each catalogue is a package of its own, one folder per system, which an
// outside runner may import alone:
//
//	catalogue/registercat   the ABD atomic register (systems/register)
//	catalogue/raftcat       Raft: a catalogue for any Raft, run on simlab's (systems/raft)
//	catalogue/kvcat         the key/value store on Raft (systems/kv, systems/rsm)
//	catalogue/kvsrvcat      the versioned single-server store and its lock (systems/kvsrv)
//	catalogue/mapreducecat  MapReduce (systems/mapreduce)
//	catalogue/paxoscat      instance-based Paxos (systems/paxos)
//	catalogue/pbservicecat  primary/backup on the view service (systems/pbservice)
//	catalogue/shardctrlercat  the shard controller (systems/shardctrler)
//	catalogue/shardkvcat    the sharded key/value store (systems/shardkv)
//	catalogue/viewservicecat  the view service of primary/backup (systems/viewservice)
//
// A new system adds a folder here with its own package and a line below.
package catalogue

import (
	_ "github.com/simlab-go/simlab/catalogue/kvcat"
	_ "github.com/simlab-go/simlab/catalogue/kvsrvcat"
	_ "github.com/simlab-go/simlab/catalogue/mapreducecat"
	_ "github.com/simlab-go/simlab/catalogue/paxoscat"
	_ "github.com/simlab-go/simlab/catalogue/pbservicecat"
	_ "github.com/simlab-go/simlab/catalogue/raftcat"
	_ "github.com/simlab-go/simlab/catalogue/registercat"
	_ "github.com/simlab-go/simlab/catalogue/shardctrlercat"
	_ "github.com/simlab-go/simlab/catalogue/shardkvcat"
	_ "github.com/simlab-go/simlab/catalogue/viewservicecat"
)
