// Package kvsrv is a single-server key/value store with versioned puts.
//
// Every key has a version. Get(key) returns its value and version, or
// ErrNoKey if it was never put. Put(key, value, version) applies only at
// the key's current version (0 for a key not yet put) and then increments
// it; at another version it answers ErrVersion, and for a missing key at a
// version above 0, ErrNoKey.
//
// Over a network that loses messages, versions make puts exactly-once
// without the server remembering anything per client: a retried Put whose
// first attempt applied finds the version moved on and gets ErrVersion,
// so it never applies twice. The Clerk, which cannot tell that case from
// another client's put getting there first, answers ErrMaybe for an
// ErrVersion that follows a retry. Callers that must know (the lock in
// package lock) read the key again.
//
// The server is one node and a single point of failure: while it is down or
// cut off, nothing progresses.
package kvsrv
