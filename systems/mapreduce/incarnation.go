package mapreduce

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/simlab-go/simlab/sim/node"
)

// incarnationFile holds a node's incarnation number: a worker's, naming its
// map output, or the coordinator's, naming its attempts. witnessFile,
// written once after the first number, says one was: without it a lost
// incarnation file would start the count again and reuse numbers.
const (
	incarnationFile = "incarnation"
	witnessFile     = "incarnation.witness"
)

// nextIncarnation raises the incarnation number kept on d and returns it,
// durable before any message the caller sends next: no two incarnations
// that ever spoke share a number.
func nextIncarnation(d node.Disk) uint64 {
	var inc uint64
	_, werr := d.ReadFile(witnessFile)
	data, err := d.ReadFile(incarnationFile)
	switch {
	case err == nil:
		var ok bool
		if inc, ok = decodeIncarnation(data); !ok {
			node.Refuse(&node.Damage{File: incarnationFile, Offset: 0,
				Found: "not a whole incarnation record (12 bytes with a checksum), in a file only ever replaced whole"})
		}
	case werr == nil:
		node.Refuse(&node.Damage{File: incarnationFile, Offset: -1,
			Found: "missing, but " + witnessFile + " says a number was stored: counting again would reuse one"})
	}
	inc++
	d.WriteFile(incarnationFile, encodeIncarnation(inc))
	if werr != nil {
		d.WriteFile(witnessFile, []byte("stored"))
	}
	d.Sync()
	return inc
}

func encodeIncarnation(inc uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, inc)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func decodeIncarnation(b []byte) (uint64, bool) {
	if len(b) != 12 || crc32.ChecksumIEEE(b[:8]) != binary.BigEndian.Uint32(b[8:]) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:8]), true
}
