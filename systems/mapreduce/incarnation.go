package mapreduce

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/simlab-go/simlab/sim/node"
)

// incarnationFile holds a node's incarnation number: a worker's, naming its
// map output, or the coordinator's, naming its attempts.
const incarnationFile = "incarnation"

// nextIncarnation raises the incarnation number kept on d and returns it,
// durable before any message the caller sends next: no two incarnations
// that ever spoke share a number.
func nextIncarnation(d node.Disk) uint64 {
	var inc uint64
	if data, err := d.ReadFile(incarnationFile); err == nil {
		var ok bool
		if inc, ok = decodeIncarnation(data); !ok {
			panic("mapreduce: incarnation file is corrupt although it is only ever replaced atomically")
		}
	}
	inc++
	d.WriteFile(incarnationFile, encodeIncarnation(inc))
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
