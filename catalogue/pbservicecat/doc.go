// Package pbservicecat is the catalogue of systems/pbservice, the
// primary/backup key/value service on the view service: failover, at-most-
// once appends over a lossy network, puts right after a failure, backup
// state identical to the primary's, repeated crashes, a partitioned old
// primary that must not answer, a swarm, and the view service's single
// point of failure. Every history is checked for linearizability, and
// every event against the view service's rules, who may answer, the
// backup's state and at-most-once application (checker.ViewRules,
// PrimaryBackup, AtMostOnce).
package pbservicecat
