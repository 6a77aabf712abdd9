// Package paxoscat is the catalogue of systems/paxos: agreement with one
// and many proposers, out-of-order instances, deaf peers that learn only by
// proposing, forgetting (Min, Done, memory and disk given back), message
// counts, partitions that must not decide in a minority, crashes of
// acceptors that must keep their promises, and a swarm. An invariant
// checked on every event holds throughout: no two peers learn different
// values for one instance, and no peer forgets an instance some peer has
// not called Done for.
//
// Import it for its side effect; catalogue links it into cmd/simrun.
package paxoscat
