package checker

import (
	"fmt"
	"hash/fnv"

	"github.com/anishathalye/porcupine"
)

// KVOp names an operation of the key/value models.
type KVOp string

// The operations.
const (
	Get    KVOp = "get"
	Put    KVOp = "put"
	Append KVOp = "append"
)

// KVInput is the input of a key/value operation. Version is used by the
// versioned model only: a Put there succeeds only at the current version.
type KVInput struct {
	Op      KVOp
	Key     string
	Value   string
	Version uint64
}

// KVOutput is the output of a key/value operation. For the versioned
// model, Err is "" (success), ErrVersion, ErrNoKey or ErrMaybe.
type KVOutput struct {
	Value   string
	Version uint64
	Err     string
}

// Errors of the versioned model.
const (
	ErrVersion = "ErrVersion" // the put's version did not match: nothing changed
	ErrNoKey   = "ErrNoKey"   // get of a key never put, or put at version > 0 of one
	ErrMaybe   = "ErrMaybe"   // a retried put saw ErrVersion: its first try may or may not have applied
)

func byKey(history []porcupine.Operation) [][]porcupine.Operation {
	index := map[string]int{}
	var parts [][]porcupine.Operation
	for _, op := range history {
		k := op.Input.(KVInput).Key
		i, ok := index[k]
		if !ok {
			i = len(parts)
			index[k] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// KVModel is the porcupine model of a key/value store with Get, Put and
// Append, partitioned by key. A Get whose output is unknown (nil) may
// return anything.
var KVModel = porcupine.Model{
	Partition: byKey,
	Init:      func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		s, in := state.(string), input.(KVInput)
		switch in.Op {
		case Get:
			if output == nil {
				return true, s
			}
			return output.(KVOutput).Value == s, s
		case Put:
			return true, in.Value
		case Append:
			return true, s + in.Value
		}
		return false, s
	},
	Equal: func(a, b any) bool { return a.(string) == b.(string) },
	Hash:  func(s any) uint64 { return hashString(s.(string)) },
	DescribeOperation: func(input, output any) string {
		in := input.(KVInput)
		switch in.Op {
		case Get:
			if output == nil {
				return fmt.Sprintf("get(%q) → ?", in.Key)
			}
			return fmt.Sprintf("get(%q) → %q", in.Key, output.(KVOutput).Value)
		case Put:
			return fmt.Sprintf("put(%q, %q)", in.Key, in.Value)
		}
		return fmt.Sprintf("append(%q, %q)", in.Key, in.Value)
	},
	DescribeState: func(s any) string { return fmt.Sprintf("%q", s) },
}

// versioned is the state of one key in the versioned model.
type versioned struct {
	Value   string
	Version uint64 // 0: the key does not exist
}

// VersionedKVModel is the porcupine model of a versioned key/value store:
// Put(key, value, version) succeeds only if version is the key's current
// version (0 creates the key) and then increments it; Get returns the value
// and version. A put that answered ErrMaybe, or whose answer is unknown,
// may or may not have applied.
var VersionedKVModel = versionedKV.ToModel()

var versionedKV = porcupine.NondeterministicModel{
	Partition: byKey,
	Init:      func() []any { return []any{versioned{}} },
	Step: func(state, input, output any) []any {
		s, in := state.(versioned), input.(KVInput)
		var out KVOutput
		known := output != nil
		if known {
			out = output.(KVOutput)
		}
		switch in.Op {
		case Get:
			if !known {
				return []any{s}
			}
			if s.Version == 0 {
				if out.Err == ErrNoKey {
					return []any{s}
				}
				return nil
			}
			if out.Err == "" && out.Value == s.Value && out.Version == s.Version {
				return []any{s}
			}
			return nil
		case Put:
			matches := in.Version == s.Version
			applied := versioned{in.Value, s.Version + 1}
			switch {
			case !known || out.Err == ErrMaybe:
				if matches {
					return []any{s, applied}
				}
				return []any{s}
			case out.Err == "":
				if matches {
					return []any{applied}
				}
				return nil
			case out.Err == ErrVersion:
				if !matches && s.Version > 0 {
					return []any{s}
				}
				return nil
			case out.Err == ErrNoKey:
				if s.Version == 0 && in.Version > 0 {
					return []any{s}
				}
				return nil
			}
		}
		return nil
	},
	Equal: func(a, b any) bool { return a.(versioned) == b.(versioned) },
	Hash:  func(s any) uint64 { v := s.(versioned); return hashString(v.Value) ^ v.Version*0x9e3779b97f4a7c15 },
	DescribeOperation: func(input, output any) string {
		in := input.(KVInput)
		res := "?"
		if output != nil {
			o := output.(KVOutput)
			res = o.Err
			if res == "" {
				res = fmt.Sprintf("%q v%d", o.Value, o.Version)
				if in.Op == Put {
					res = "ok"
				}
			}
		}
		if in.Op == Get {
			return fmt.Sprintf("get(%q) → %s", in.Key, res)
		}
		return fmt.Sprintf("put(%q, %q, v%d) → %s", in.Key, in.Value, in.Version, res)
	},
	DescribeState: func(s any) string { v := s.(versioned); return fmt.Sprintf("%q v%d", v.Value, v.Version) },
}
