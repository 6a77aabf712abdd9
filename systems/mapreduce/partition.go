package mapreduce

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
)

// Partition is the reduce task, in [0, nReduce), that a key belongs to:
// FNV-1a of the key modulo nReduce, the same on every machine and run.
func Partition(key string, nReduce int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()&0x7fffffff) % nReduce
}

// partitionPairs splits map output into nReduce encoded parts.
func partitionPairs(kvs []KeyValue, nReduce int) [][]byte {
	parts := make([][]byte, nReduce)
	for _, kv := range kvs {
		r := Partition(kv.Key, nReduce)
		parts[r] = appendPair(parts[r], kv)
	}
	for r := range parts {
		parts[r] = binary.BigEndian.AppendUint32(parts[r], crc32.ChecksumIEEE(parts[r]))
	}
	return parts
}

func appendPair(b []byte, kv KeyValue) []byte {
	b = binary.AppendUvarint(b, uint64(len(kv.Key)))
	b = append(b, kv.Key...)
	b = binary.AppendUvarint(b, uint64(len(kv.Value)))
	return append(b, kv.Value...)
}

// errMissingPart reports an intermediate part that is not there at all.
var errMissingPart = errors.New("mapreduce: missing part (never fetched)")

// decodePairs appends the pairs of one encoded part to kvs. Its errors say
// what was found: no part, a part too short to hold its checksum, a
// checksum that does not match, or a pair that does not parse.
func decodePairs(kvs []KeyValue, b []byte) ([]KeyValue, error) {
	if b == nil {
		return kvs, errMissingPart
	}
	if len(b) < 4 {
		return kvs, fmt.Errorf("mapreduce: a part of %d bytes, too short for its 4-byte checksum", len(b))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return kvs, fmt.Errorf("mapreduce: a part of %d bytes whose checksum does not match: corrupt", len(b))
	}
	whole := len(body)
	next := func() (string, bool) {
		n, k := binary.Uvarint(body)
		if k <= 0 || uint64(len(body)-k) < n {
			return "", false
		}
		s := string(body[k : k+int(n)])
		body = body[k+int(n):]
		return s, true
	}
	for len(body) > 0 {
		at := whole - len(body)
		key, ok1 := next()
		value, ok2 := next()
		if !ok1 || !ok2 {
			return kvs, fmt.Errorf("mapreduce: a pair at byte %d of the part does not parse, although the checksum matched", at)
		}
		kvs = append(kvs, KeyValue{Key: key, Value: value})
	}
	return kvs, nil
}
