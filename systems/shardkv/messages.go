package shardkv

// Messages between groups.
type (
	// PullReq asks the previous owner of Shard for its data as of
	// configuration ConfigNum (the one that moved it).
	PullReq struct{ ConfigNum, Shard int }
	// PullReply carries the shard; OK is false if the server has not
	// adopted ConfigNum (or holds the shard no more).
	PullReply struct {
		ConfigNum, Shard int
		OK               bool
		Data             ShardData
	}
	// DeleteReq tells the previous owner that Shard arrived, so it may
	// drop its copy.
	DeleteReq struct{ ConfigNum, Shard int }
	// DeleteReply says the copy is gone.
	DeleteReply struct{ ConfigNum, Shard int }
)

// Size implements node.Sizer: the shard's bytes and a header.
func (m PullReply) Size() int { return 32 + m.Data.Size() }
