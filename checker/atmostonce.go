package checker

import (
	"fmt"
	"strings"
)

// AtMostOnce checks that a key/value service applies each client request
// at most once, in every replica's state, as the state changes: a retried
// Append must not append twice, whichever replica applies it, and whether
// or not that replica ever answers or survives to the end of the run.
//
// It reads the application off the state. Every request writes a value no
// other request writes, one token: it ends with a separator that appears
// nowhere else in it. A key's value is then the tokens written to it (a
// Put's, and the Appends' after it), and a request applied twice leaves
// its token twice. A Put applied twice in a row leaves no trace in the
// state; a client's history shows it, if anything does.
//
// A harness records every request as a client sends it (Wrote), and checks
// a replica's value of each key once an event of the replica took effect
// (Check). Replicas are numbered by any int; a restarted replica is the
// same number with a new value.
type AtMostOnce struct {
	// Names names a replica in a failure (nil: "server N"), and Clients a
	// client (nil: "client N").
	Names   func(replica int) string
	Clients func(client uint64) string

	sep      byte
	written  map[string]onceWrite // by token: the request that writes it
	replicas map[onceKey]*onceTokens
}

// onceWrite is a request writing a token to a key.
type onceWrite struct {
	req RequestID
	key string
}

// onceKey is one key at one replica.
type onceKey struct {
	replica int
	key     string
}

// onceTokens is the last value checked of a key at a replica, and how many
// times each token is in it.
type onceTokens struct {
	value string
	count map[string]int
}

// NewAtMostOnce returns a checker of values made of tokens ending in sep.
func NewAtMostOnce(sep byte) *AtMostOnce {
	return &AtMostOnce{sep: sep, written: map[string]onceWrite{}, replicas: map[onceKey]*onceTokens{}}
}

// Wrote records that request req writes value to key (a Put or an
// Append); a retry records the same again. It fails when value is not one
// token or another request writes it: the checker could not tell their
// applications apart.
func (a *AtMostOnce) Wrote(req RequestID, key, value string) error {
	if i := strings.IndexByte(value, a.sep); i != len(value)-1 {
		return fmt.Errorf("%s writes %q, which is not one token ending in %q", pbRequestName(a.Clients, req), value, a.sep)
	}
	w := onceWrite{req: req, key: key}
	if old, ok := a.written[value]; ok && old != w {
		return fmt.Errorf("%s writes %q to key %q, as %s does to key %q: every request must write a value of its own", pbRequestName(a.Clients, req), value, key, pbRequestName(a.Clients, old.req), old.key)
	}
	a.written[value] = w
	return nil
}

// Check checks a replica's value of key: every token in it was written to
// key by some request, and none is there twice.
func (a *AtMostOnce) Check(replica int, key, value string) error {
	rk := onceKey{replica, key}
	t := a.replicas[rk]
	if t == nil {
		t = &onceTokens{count: map[string]int{}}
		a.replicas[rk] = t
	}
	if value == t.value {
		return nil
	}
	rest := value
	if strings.HasPrefix(value, t.value) && (t.value == "" || t.value[len(t.value)-1] == a.sep) {
		rest = value[len(t.value):] // appended to: count what is new
	} else {
		t.count = map[string]int{}
	}
	t.value = value
	for rest != "" {
		n := strings.IndexByte(rest, a.sep) + 1
		if n == 0 {
			n = len(rest)
		}
		tok := rest[:n]
		rest = rest[n:]
		w, ok := a.written[tok]
		switch {
		case !ok:
			return fmt.Errorf("%s's value of key %q holds %q, which no request wrote", pbServerName(a.Names, replica), key, tok)
		case w.key != key:
			return fmt.Errorf("%s's value of key %q holds %q, which %s wrote to key %q", pbServerName(a.Names, replica), key, tok, pbRequestName(a.Clients, w.req), w.key)
		}
		t.count[tok]++
		if t.count[tok] > 1 {
			return fmt.Errorf("%s's value of key %q holds %q twice: %s was applied twice (at most once, retries included)", pbServerName(a.Names, replica), key, tok, pbRequestName(a.Clients, w.req))
		}
	}
	return nil
}
