package labfixture

// client.go: "the student's" clerk. It remembers which server answered last
// and, when a call fails or lands on a non-leader, moves on to the next
// server at once: while there is no leader it spins through the servers
// without ever sleeping.

import (
	crand "crypto/rand"
	"math/big"
)

// Clerk is a client of the key/value service.
type Clerk struct {
	servers []*ClientEnd
	leader  int
	id      int64
	seq     int64
}

func nrand() int64 {
	n, err := crand.Int(crand.Reader, big.NewInt(1<<62))
	if err != nil {
		panic(err)
	}
	return n.Int64()
}

// MakeClerk returns a clerk that talks to servers.
func MakeClerk(servers []*ClientEnd) *Clerk {
	return &Clerk{servers: servers, id: nrand()}
}

// Get returns the value of key, "" if it has none.
func (ck *Clerk) Get(key string) string {
	ck.seq++
	args := GetArgs{Key: key, ClientId: ck.id, Seq: ck.seq}
	for {
		var reply GetReply
		if ck.servers[ck.leader].Call("KVServer.Get", &args, &reply) {
			switch reply.Err {
			case OK:
				return reply.Value
			case ErrNoKey:
				return ""
			}
		}
		ck.leader = (ck.leader + 1) % len(ck.servers) // no sleep: next server now
	}
}

func (ck *Clerk) putAppend(key, value string, isAppend bool) {
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Append: isAppend, ClientId: ck.id, Seq: ck.seq}
	for {
		var reply PutAppendReply
		if ck.servers[ck.leader].Call("KVServer.PutAppend", &args, &reply) && reply.Err == OK {
			return
		}
		ck.leader = (ck.leader + 1) % len(ck.servers) // no sleep: next server now
	}
}

// Put sets key to value.
func (ck *Clerk) Put(key, value string) { ck.putAppend(key, value, false) }

// Append adds value at the end of key's value.
func (ck *Clerk) Append(key, value string) { ck.putAppend(key, value, true) }
