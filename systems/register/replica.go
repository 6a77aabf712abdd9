package register

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/simlab-go/simlab/sim/node"
)

// stateFile is where a replica keeps its (tag, value), replaced whole on
// every store. witnessFile, written once after the first state, says that
// a state was stored: without it a lost state file would look like a
// replica that never stored anything, and the replica would forget a value
// it acknowledged.
const (
	stateFile   = "register"
	witnessFile = "register.witness"
)

// Replica is one register replica. Build it with NewReplica.
type Replica struct {
	tag       Tag
	value     string
	witnessed bool // witnessFile exists
}

// NewReplica is the replica's node.Factory.
func NewReplica() node.Handler { return &Replica{} }

// Tag returns the replica's current tag, for observers.
func (r *Replica) Tag() Tag { return r.tag }

// Handle implements node.Handler.
func (r *Replica) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		if ev.Restarted {
			r.recover(env)
		}
	case *node.Recv:
		switch m := ev.Msg.(type) {
		case QueryReq:
			env.Send(ev.From, QueryResp{Op: m.Op, Tag: r.tag, Value: r.value})
		case StoreReq:
			if r.tag.Less(m.Tag) {
				r.tag, r.value = m.Tag, m.Value
				// Durable before acknowledged: a majority of acks is
				// a promise that the value survives any minority of crashes.
				env.Disk().WriteFile(stateFile, encodeState(r.tag, r.value))
				if !r.witnessed {
					env.Disk().WriteFile(witnessFile, []byte("stored"))
					r.witnessed = true
				}
				env.Disk().Sync()
			} else if m.Tag.Less(r.tag) {
				env.Mark(markOlderStore)
			}
			env.Send(ev.From, StoreAck{Op: m.Op})
		}
	}
}

// recover reads the state back, or refuses to start over a state file that
// is damaged or lost.
func (r *Replica) recover(env node.Env) {
	d := env.Disk()
	_, werr := d.ReadFile(witnessFile)
	data, err := d.ReadFile(stateFile)
	if err != nil {
		if werr == nil {
			node.Refuse(&node.Damage{File: stateFile, Offset: -1,
				Found: "missing, but " + witnessFile + " says a state was stored: the acknowledged value is lost"})
		}
		return // never stored anything durable
	}
	tag, value, ok := decodeState(data)
	if !ok {
		node.Refuse(&node.Damage{File: stateFile, Offset: 0,
			Found: "a state record that is cut short or fails its checksum, in a file only ever replaced whole"})
	}
	r.tag, r.value = tag, value
	if werr != nil {
		// A crash between the first state and its witness.
		d.WriteFile(witnessFile, []byte("stored"))
		d.Sync()
	}
	r.witnessed = true
	env.Mark(markRecovered)
	env.Logf("recovered tag %v", tag)
}

// encodeState lays out seq, writer, value length, value, then a CRC-32 of
// everything before it.
func encodeState(t Tag, value string) []byte {
	b := make([]byte, 0, 20+len(value)+4)
	b = binary.BigEndian.AppendUint64(b, t.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Writer))
	b = binary.BigEndian.AppendUint32(b, uint32(len(value)))
	b = append(b, value...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func decodeState(b []byte) (Tag, string, bool) {
	if len(b) < 24 {
		return Tag{}, "", false
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return Tag{}, "", false
	}
	n := binary.BigEndian.Uint32(body[16:20])
	if int(n) != len(body)-20 {
		return Tag{}, "", false
	}
	t := Tag{Seq: binary.BigEndian.Uint64(body[0:8]), Writer: node.ID(binary.BigEndian.Uint64(body[8:16]))}
	return t, string(body[20:]), true
}
