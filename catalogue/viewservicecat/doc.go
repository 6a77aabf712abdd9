// Package viewservicecat is the catalogue of systems/viewservice: every
// behaviour of the view service test of the lab it comes from (the first
// primary, the first backup, takeover, a restarted server becoming backup,
// an idle third server, a restarted primary treated as dead, a dead backup
// removed, waiting for the primary's acknowledgement, and an uninitialized
// server never becoming primary), and its single point of failure: a view
// service cut off changes no view. Every event is checked against the
// lab's rules for views (checker.ViewRules).
package viewservicecat
