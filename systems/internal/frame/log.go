package frame

import (
	"encoding/binary"
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// Log is a log file read back at boot with its sync ledger (ReadLog).
type Log struct {
	// Records are the payloads of the whole records from the start, and
	// At the offset of each in the file, for a diagnosis.
	Records [][]byte
	At      []int
	// End is where the whole records end; Synced the length the ledger
	// vouches for.
	End, Synced int
	// Exists says whether the log file exists.
	Exists bool
	// TornTail says the log ends in a torn record, and Rewrite that the
	// log or its ledger ends in a torn write: the caller then rewrites
	// both before it appends again, so that appends follow whole records.
	TornTail, Rewrite bool
}

// ReadLog reads the log file name and its ledger from d. Damage to either
// (see Scan and LedgerRead, and a log that is missing while its ledger
// vouches for bytes of it) makes the node refuse to start (node.Refuse),
// before the caller has written anything.
func ReadLog(d node.Disk, name, ledger string) Log {
	lb, _ := d.ReadFile(ledger)
	synced, ledgerTorn, damage := LedgerRead(ledger, lb)
	if damage != nil {
		node.Refuse(damage)
	}
	b, err := d.ReadFile(name)
	if err != nil && synced > 0 {
		node.Refuse(&node.Damage{File: name, Offset: -1,
			Found: fmt.Sprintf("missing, but its sync ledger says %d bytes of it were synced", synced)})
	}
	records, end, damage := Scan(name, b, synced)
	if damage != nil {
		node.Refuse(damage)
	}
	l := Log{Records: records, End: end, Synced: synced, Exists: err == nil, TornTail: end < len(b)}
	l.Rewrite = l.TornTail || ledgerTorn
	at := 0
	for _, p := range records {
		l.At = append(l.At, at)
		at += Header + len(p)
	}
	return l
}

// Meta is the record of a meta file: magic, then the fields, in one frame.
func Meta(magic string, fields ...uint64) []byte {
	b := []byte(magic)
	for _, v := range fields {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return Of(b)
}

// ReadMeta returns the n fields of the meta file name (contents b) written
// by Meta with magic, or makes the node refuse to start: a meta file is
// only ever replaced whole, so anything else is damage.
func ReadMeta(name string, b []byte, magic string, n int) []uint64 {
	payload, damage := Whole(name, b)
	if damage == nil && (len(payload) != len(magic)+8*n || string(payload[:len(magic)]) != magic) {
		damage = &node.Damage{File: name, Offset: Header,
			Found: fmt.Sprintf("a whole record of %d bytes that is not a meta record of this version (magic %s, %d fields)", len(payload), magic, n)}
	}
	if damage != nil {
		node.Refuse(damage)
	}
	fields := make([]uint64, n)
	for i := range fields {
		fields[i] = binary.BigEndian.Uint64(payload[len(magic)+8*i:])
	}
	return fields
}
