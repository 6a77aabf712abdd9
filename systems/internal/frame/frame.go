// Package frame lays records end to end in a file a crash may cut short,
// and tells a torn end from damage when it reads them back.
//
// Each record is its length, a checksum, then the payload. The checksum is
// a CRC-32C over the length and the payload, XORed with a constant, so a
// run of zero bytes (a file extended but never written, a zeroed block) is
// never a valid record, not even an empty one.
//
// A reader must know how many leading bytes of the file were synced: a bad
// record there is damage to durable data (a flipped bit, a zeroed or lost
// block), while a bad record past it is the torn end of writes nothing
// was promised on. Raft and Paxos keep that length in a sync ledger
// (LedgerAppend, LedgerRead) next to each log; Scan applies the rule.
package frame

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/simlab-go/simlab/sim/node"
)

// Header is the bytes a record takes besides its payload.
const Header = 8

// sumMask keeps the checksum of an all-zero header from being zero.
const sumMask = 0x9e3779b9

//simlab:readonly a CRC table computed at init, never written after
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func sum(length []byte, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, length)
	return crc32.Update(c, castagnoli, payload) ^ sumMask
}

// Append appends the record of payload to b.
func Append(b, payload []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, sum(b[len(b)-4:], payload))
	return append(b, payload...)
}

// Of is the record of payload alone.
func Of(payload []byte) []byte { return Append(make([]byte, 0, Header+len(payload)), payload) }

// Next returns the payload of the record at the start of b and the rest,
// or ok=false if the record is short or fails its checksum.
func Next(b []byte) (payload, rest []byte, ok bool) {
	if len(b) < Header {
		return nil, b, false
	}
	n := int(binary.BigEndian.Uint32(b[0:4]))
	if len(b)-Header < n {
		return nil, b, false
	}
	payload = b[Header : Header+n]
	if sum(b[0:4], payload) != binary.BigEndian.Uint32(b[4:8]) {
		return nil, b, false
	}
	return payload, b[Header+n:], true
}

// Scan reads the records of the disk file name, whose contents are b and
// whose first synced bytes the writer had made durable. It returns the
// payloads of the whole records from the start, and the offset where they
// end. Past synced, the first bad record and everything after it is a torn
// tail: never synced, so never relied on, and the caller drops it. Before
// synced, a bad record is damage, and so is a file shorter than synced
// or a record that runs across it (syncs fall between records); Scan
// returns the diagnosis then.
func Scan(name string, b []byte, synced int) (payloads [][]byte, end int, damage *node.Damage) {
	if len(b) < synced {
		return nil, 0, &node.Damage{File: name, Offset: -1,
			Found: fmt.Sprintf("%d bytes, but %d were synced: the file lost its end", len(b), synced)}
	}
	rest := b
	for len(rest) > 0 {
		at := len(b) - len(rest)
		payload, next, ok := Next(rest)
		if !ok {
			if at < synced {
				return nil, 0, &node.Damage{File: name, Offset: int64(at),
					Found: fmt.Sprintf("a record that is cut short or fails its checksum, inside the first %d bytes, which were synced", synced)}
			}
			break
		}
		if end := len(b) - len(next); at < synced && end > synced {
			return nil, 0, &node.Damage{File: name, Offset: int64(at),
				Found: fmt.Sprintf("a record running from byte %d to %d across the synced length %d, where no sync could fall", at, end, synced)}
		}
		payloads = append(payloads, payload)
		rest = next
	}
	return payloads, len(b) - len(rest), nil
}

// Whole returns the payload of a file that holds exactly one record, or
// the diagnosis if it does not: such files are only ever replaced whole
// (node.Disk.WriteFile), so anything else is damage.
func Whole(name string, b []byte) ([]byte, *node.Damage) {
	payload, rest, ok := Next(b)
	switch {
	case !ok:
		return nil, &node.Damage{File: name, Offset: 0,
			Found: fmt.Sprintf("%d bytes that are not a whole record (cut short or failing the checksum), in a file only ever replaced whole", len(b))}
	case len(rest) > 0:
		return nil, &node.Damage{File: name, Offset: int64(len(b) - len(rest)),
			Found: fmt.Sprintf("%d bytes after the file's one record", len(rest))}
	}
	return payload, nil
}
