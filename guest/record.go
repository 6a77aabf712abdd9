package guest

import (
	"fmt"
	"time"
)

// Kind names what a guest received from the host in one call.
type Kind uint8

// The kinds of host call a run records.
const (
	KindClock     Kind = iota + 1 // a reading of the monotonic clock
	KindWallClock                 // a reading of the wall clock
	KindSleep                     // a wait: every goroutine was blocked, the clock jumped
	KindYield                     // a sched_yield of the guest's own
	KindRandom                    // random bytes
	KindWrite                     // output on fd 1 or 2
	KindNet                       // a socket opened (a guest node's listen or dial)
)

var kindNames = [...]string{
	KindClock:     "clock",
	KindWallClock: "wallclock",
	KindSleep:     "sleep",
	KindYield:     "yield",
	KindRandom:    "random",
	KindWrite:     "write",
	KindNet:       "net",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Record is one host call of a run, for a trace: what the guest received
// and when. Fingerprint folds every call up to and including this one, so
// the first record where two runs' fingerprints part is where they diverged.
type Record struct {
	Seq         int64         // 1 for the first host call
	Time        time.Duration // virtual time after the call
	Kind        Kind
	Value       uint64 // the clock reading, the wait, a hash of the bytes
	Detail      string // the bytes, for random and write
	Fingerprint uint64
}

func (r Record) String() string {
	return fmt.Sprintf("#%d %v %s %s", r.Seq, r.Time, r.Kind, r.What())
}

// What is what the call received, in words: the clock reading, the wait,
// or the bytes.
func (r Record) What() string {
	v := ""
	switch r.Kind {
	case KindClock, KindWallClock:
		v = fmt.Sprintf("%d", int64(r.Value))
	case KindSleep:
		v = time.Duration(r.Value).String()
	}
	if r.Detail != "" {
		if v != "" {
			v += " "
		}
		v += r.Detail
	}
	return v
}

// hashBytes is FNV-1a over b.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
