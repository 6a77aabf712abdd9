package kvsrv

import "encoding/gob"

// Errors.
const (
	OK         = ""
	ErrNoKey   = "ErrNoKey"
	ErrVersion = "ErrVersion"
	// ErrMaybe is the Clerk's answer to a Put that was retried and then
	// saw ErrVersion: its first attempt may or may not have applied.
	ErrMaybe = "ErrMaybe"
)

// GetArgs asks for a key. ReqID ties the reply to the request.
type GetArgs struct {
	Key   string
	ReqID uint64
}

// GetReply answers a Get.
type GetReply struct {
	Value   string
	Version uint64
	Err     string
	ReqID   uint64
}

// PutArgs asks to set a key at a version.
type PutArgs struct {
	Key     string
	Value   string
	Version uint64
	ReqID   uint64
}

// PutReply answers a Put.
type PutReply struct {
	Err   string
	ReqID uint64
}

func (m GetArgs) Size() int  { return 16 + len(m.Key) }
func (m GetReply) Size() int { return 24 + len(m.Value) + len(m.Err) }
func (m PutArgs) Size() int  { return 24 + len(m.Key) + len(m.Value) }
func (m PutReply) Size() int { return 8 + len(m.Err) }

func init() {
	gob.Register(GetArgs{})
	gob.Register(GetReply{})
	gob.Register(PutArgs{})
	gob.Register(PutReply{})
}
