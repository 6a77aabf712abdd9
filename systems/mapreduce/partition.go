package mapreduce

import (
	"encoding/binary"
	"errors"
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

// errCorrupt reports an intermediate part that does not decode.
var errCorrupt = errors.New("mapreduce: corrupt intermediate data")

// decodePairs appends the pairs of one encoded part to kvs.
func decodePairs(kvs []KeyValue, b []byte) ([]KeyValue, error) {
	if len(b) < 4 {
		return kvs, errCorrupt
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return kvs, errCorrupt
	}
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
		key, ok1 := next()
		value, ok2 := next()
		if !ok1 || !ok2 {
			return kvs, errCorrupt
		}
		kvs = append(kvs, KeyValue{Key: key, Value: value})
	}
	return kvs, nil
}
