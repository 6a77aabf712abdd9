package etcdraft

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// wire is a Raft message as it crosses the network: its protobuf encoding,
// which is what etcd itself sends between peers. Sending bytes rather than
// the *pb.Message keeps the receiver from sharing the sender's memory, lets
// strict mode's gob round trip pass (a protobuf message carries unexported
// reflection state that gob cannot send), and makes the size the simulator
// counts the size on a real wire.
type wire struct{ Data []byte }

// Size implements node.Sizer.
func (w wire) Size() int { return len(w.Data) }

func encode(m *pb.Message) wire { return wire{marshal(m)} }

func (w wire) decode() (*pb.Message, error) {
	m := &pb.Message{}
	return m, unmarshal(w.Data, m)
}

// marshal encodes a message of etcd's; it cannot fail for the messages
// etcd's Raft builds.
func marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("etcdraft: marshal %T: %v", m, err))
	}
	return b
}

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }
