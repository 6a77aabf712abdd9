// Package frame lays records end to end in a file a crash may cut short:
// each record is its length, a CRC-32 of its payload, then the payload, so
// that a reader can tell a whole record from a torn one and stop there.
// Raft's log and Paxos's acceptor log are written this way.
package frame

import (
	"encoding/binary"
	"hash/crc32"
)

// Header is the bytes a record takes besides its payload.
const Header = 8

// Append appends the record of payload to b.
func Append(b, payload []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(payload))
	return append(b, payload...)
}

// Of is the record of payload alone.
func Of(payload []byte) []byte { return Append(make([]byte, 0, Header+len(payload)), payload) }

// Next returns the payload of the record at the start of b and the rest,
// or ok=false if the record is short or fails its checksum: the torn end
// of a file.
func Next(b []byte) (payload, rest []byte, ok bool) {
	if len(b) < Header {
		return nil, b, false
	}
	n := int(binary.BigEndian.Uint32(b[0:4]))
	if len(b)-Header < n {
		return nil, b, false
	}
	payload = b[Header : Header+n]
	if crc32.ChecksumIEEE(payload) != binary.BigEndian.Uint32(b[4:8]) {
		return nil, b, false
	}
	return payload, b[Header+n:], true
}
