package labfixture

// kvserver.go: "the student's" key/value service on top of Raft. Every
// operation, Gets included, goes through the log; the server answers a
// clerk once the operation's entry has been applied, and remembers each
// clerk's last sequence number so that a retried Put or Append is applied
// once.

import (
	"encoding/gob"
	"sync"
	"time"
)

type Err string

const (
	OK             Err = "OK"
	ErrNoKey       Err = "ErrNoKey"
	ErrWrongLeader Err = "ErrWrongLeader"
	ErrTimeout     Err = "ErrTimeout"
)

type PutAppendArgs struct {
	Key, Value string
	Append     bool
	ClientId   int64
	Seq        int64
}

type PutAppendReply struct{ Err Err }

type GetArgs struct {
	Key      string
	ClientId int64
	Seq      int64
}

type GetReply struct {
	Err   Err
	Value string
}

// Op is the command a KVServer puts in the Raft log.
type Op struct {
	Kind       string // "Get", "Put" or "Append"
	Key, Value string
	ClientId   int64
	Seq        int64
}

func init() { gob.Register(Op{}) }

// outcome is what the applier tells a waiting handler about an index.
type outcome struct {
	clientId int64
	seq      int64
	value    string
	found    bool
}

// KVServer is one replica of the service.
type KVServer struct {
	mu      sync.Mutex
	me      int
	rf      *Raft
	applyCh chan ApplyMsg
	quit    chan struct{}
	data    map[string]string
	lastSeq map[int64]int64
	waiters map[int]chan outcome // by log index
}

// StartKVServer starts a replica and its Raft peer.
func StartKVServer(peers []*ClientEnd, me int) *KVServer {
	kv := &KVServer{
		me:      me,
		applyCh: make(chan ApplyMsg),
		quit:    make(chan struct{}),
		data:    map[string]string{},
		lastSeq: map[int64]int64{},
		waiters: map[int]chan outcome{},
	}
	kv.rf = Make(peers, me, kv.applyCh)
	go kv.applier()
	return kv
}

// Kill stops the replica.
func (kv *KVServer) Kill() {
	kv.rf.Kill()
	close(kv.quit)
}

// Get is the RPC handler for reads.
func (kv *KVServer) Get(args *GetArgs, reply *GetReply) {
	res, err := kv.submit(Op{Kind: "Get", Key: args.Key, ClientId: args.ClientId, Seq: args.Seq})
	reply.Err = err
	if err == OK {
		reply.Value = res.value
		if !res.found {
			reply.Err = ErrNoKey
		}
	}
}

// PutAppend is the RPC handler for writes.
func (kv *KVServer) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	kind := "Put"
	if args.Append {
		kind = "Append"
	}
	_, reply.Err = kv.submit(Op{Kind: kind, Key: args.Key, Value: args.Value, ClientId: args.ClientId, Seq: args.Seq})
}

// submit puts op in the log and waits until it is applied, leadership is
// lost, or it takes too long.
func (kv *KVServer) submit(op Op) (outcome, Err) {
	kv.mu.Lock()
	index, term, isLeader := kv.rf.Start(op)
	if !isLeader {
		kv.mu.Unlock()
		return outcome{}, ErrWrongLeader
	}
	if old, ok := kv.waiters[index]; ok {
		old <- outcome{clientId: -1} // someone else's entry lost this index
	}
	ch := make(chan outcome, 1)
	kv.waiters[index] = ch
	kv.mu.Unlock()

	defer func() {
		kv.mu.Lock()
		if kv.waiters[index] == ch {
			delete(kv.waiters, index)
		}
		kv.mu.Unlock()
	}()
	giveUp := time.NewTimer(2 * time.Second)
	defer giveUp.Stop()
	check := time.NewTicker(50 * time.Millisecond)
	defer check.Stop()
	for {
		select {
		case res := <-ch:
			if res.clientId != op.ClientId || res.seq != op.Seq {
				return outcome{}, ErrWrongLeader
			}
			return res, OK
		case <-check.C:
			if t, leader := kv.rf.GetState(); t != term || !leader {
				return outcome{}, ErrWrongLeader
			}
		case <-giveUp.C:
			return outcome{}, ErrTimeout
		case <-kv.quit:
			return outcome{}, ErrWrongLeader
		}
	}
}

// applier applies the committed operations in log order.
func (kv *KVServer) applier() {
	for {
		var msg ApplyMsg
		select {
		case msg = <-kv.applyCh:
		case <-kv.quit:
			return
		}
		op := msg.Command.(Op)
		kv.mu.Lock()
		res := outcome{clientId: op.ClientId, seq: op.Seq}
		switch op.Kind {
		case "Get":
			res.value, res.found = kv.data[op.Key]
		case "Put", "Append":
			if op.Seq > kv.lastSeq[op.ClientId] {
				if op.Kind == "Put" {
					kv.data[op.Key] = op.Value
				} else {
					kv.data[op.Key] += op.Value
				}
			}
		}
		if op.Seq > kv.lastSeq[op.ClientId] {
			kv.lastSeq[op.ClientId] = op.Seq
		}
		if ch, ok := kv.waiters[msg.CommandIndex]; ok {
			delete(kv.waiters, msg.CommandIndex)
			ch <- res
		}
		kv.mu.Unlock()
	}
}
