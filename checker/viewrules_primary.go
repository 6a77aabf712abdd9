package checker

import "fmt"

// RequestID names a client's request: the client and the request's
// sequence number, which a retry keeps.
type RequestID struct{ Client, Seq uint64 }

// PrimaryBackup checks the servers of a primary/backup service (the lab's
// pbservice) where a hasty answer starts, not where a client's history
// might one day show it:
//
//   - A server answers a client, or acknowledges a forward, only in an
//     incarnation that holds the service's state: the one that started
//     the first view as its primary, or one a whole state (a transfer)
//     reached. A restarted server lost its state, whatever view it hears
//     of.
//   - A server answers a client only as the primary of the view it knows.
//   - A primary whose view has a backup answers an operation, reads
//     included, only once a backup applied it. A request answered again
//     (a client's retry, answered from the record of what was applied)
//     passes if a backup acknowledged it before, in any view, or a
//     primary without a backup answered it.
//   - A backup applies and acknowledges a forward only from the primary of
//     the view it knows, for that view.
//
// These are the rules of a service whose primary forwards every operation
// and counts on its backup refusing a replaced primary; one that served
// reads alone under a lease would be checked on its lease instead.
//
// A harness feeds it what the servers send, as they send it, with the
// sender's incarnation and the view it knew then: every answer to a client
// (Answered) and every acknowledgment of a forward (Acknowledged); and
// which incarnations hold the state: the first view's primary (Founded)
// and those a transfer reached (Received). Replicas compares a backup's
// data with its primary's once both applied an operation.
type PrimaryBackup struct {
	// Names names a server in a failure (nil: "server N"), and Clients a
	// client (nil: "client N").
	Names   func(server int) string
	Clients func(client uint64) string

	// applied holds the requests a backup acknowledged, or a primary
	// without a backup answered.
	applied map[RequestID]bool
	// holding holds the server incarnations that hold the state, and how
	// they came to.
	holding map[serverLife]string
}

// serverLife is one incarnation of a server, between a start and a crash.
type serverLife struct {
	server int
	inc    uint64
}

// NewPrimaryBackup returns a checker that has seen nothing.
func NewPrimaryBackup() *PrimaryBackup {
	return &PrimaryBackup{applied: map[RequestID]bool{}, holding: map[serverLife]string{}}
}

// Founded records that incarnation inc of server started the service's
// state: the view service made it primary of the first view.
func (p *PrimaryBackup) Founded(server int, inc uint64) {
	p.holding[serverLife{server, inc}] = "started the first view"
}

// Received records that a whole state (a transfer) reached incarnation inc
// of server.
func (p *PrimaryBackup) Received(server int, inc uint64) {
	if _, ok := p.holding[serverLife{server, inc}]; !ok {
		p.holding[serverLife{server, inc}] = "received a transfer"
	}
}

// holds reports whether incarnation inc of server holds the state.
func (p *PrimaryBackup) holds(server int, inc uint64) bool {
	_, ok := p.holding[serverLife{server, inc}]
	return ok
}

// stateless is the failure of a server that did what in an incarnation
// that does not hold the state.
func (p *PrimaryBackup) stateless(server int, what string) error {
	return fmt.Errorf("%s %s in an incarnation that never held the state (it neither started the first view nor received a transfer): a restarted server lost its state, whatever view it hears of",
		p.name(server), what)
}

// Acknowledged checks an acknowledgment that incarnation inc of backup,
// knowing view known, sent for request req, which primary forwarded for
// view viewnum.
func (p *PrimaryBackup) Acknowledged(backup int, inc uint64, known PBView, primary int, viewnum uint64, req RequestID) error {
	if !p.holds(backup, inc) {
		return p.stateless(backup, "acknowledged "+pbRequestName(p.Clients, req))
	}
	if known.Viewnum != viewnum || known.Primary != primary || known.Backup != backup {
		return fmt.Errorf("%s acknowledged %s, forwarded by %s for view %d, while the view it knows is %d (primary %s, backup %s): a backup applies only what the primary of its own view forwards for that view",
			p.name(backup), pbRequestName(p.Clients, req), p.name(primary), viewnum, known.Viewnum, p.name(known.Primary), p.name(known.Backup))
	}
	p.applied[req] = true
	return nil
}

// Answered checks an answer that incarnation inc of server, knowing view
// known, sent a client for request req.
func (p *PrimaryBackup) Answered(server int, inc uint64, known PBView, req RequestID) error {
	if !p.holds(server, inc) {
		return p.stateless(server, fmt.Sprintf("answered %s as primary of view %d", pbRequestName(p.Clients, req), known.Viewnum))
	}
	if known.Primary != server {
		return fmt.Errorf("%s answered %s as primary, while the view it knows (%d) names %s primary: only the primary of a view answers",
			p.name(server), pbRequestName(p.Clients, req), known.Viewnum, p.name(known.Primary))
	}
	if known.Backup == NoServer {
		p.applied[req] = true
		return nil
	}
	if !p.applied[req] {
		return fmt.Errorf("%s answered %s as primary of view %d before its backup %s acknowledged it: a primary answers only what its backup applied, reads included",
			p.name(server), pbRequestName(p.Clients, req), known.Viewnum, p.name(known.Backup))
	}
	return nil
}

// name names server s in a failure.
func (p *PrimaryBackup) name(s int) string { return pbServerName(p.Names, s) }

// pbRequestName names request r of a client, "c0's request 4".
func pbRequestName(clients func(uint64) string, r RequestID) string {
	if clients != nil {
		return fmt.Sprintf("%s's request %d", clients(r.Client), r.Seq)
	}
	return fmt.Sprintf("client %d's request %d", r.Client, r.Seq)
}
