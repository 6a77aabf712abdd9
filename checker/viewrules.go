package checker

import "fmt"

// PBView is one view of a primary/backup service: its number and the
// servers it names primary and backup (NoServer for none). View 0 names
// nobody.
type PBView struct {
	Viewnum         uint64
	Primary, Backup int
}

// NoServer stands for no server in a PBView.
const NoServer = -1

// ViewRules checks a view service by the rules of the primary/backup lab
// it comes from (MIT 6.824), on every event rather than at the end:
//
//   - Views are numbered one by one, and a number names one view: one
//     primary and one backup, whoever it reaches.
//   - A view has a primary, and it is not also the backup.
//   - The service moves past view i only once the primary of view i has
//     acknowledged it, by a ping carrying i.
//   - The primary of view i+1 was the primary or the backup of view i: a
//     server that was in neither never becomes primary, since it never
//     held the state.
//   - A server that restarted after the view that brought in its present
//     stay (it pinged with a new incarnation: it lost the state) is not
//     primary of a later view.
//
// A harness feeds one ViewRules per incarnation of the service (a restarted
// service starts again at view 0): the pings the service receives
// (Pinged), the view it holds after each of its events (Holds), and the
// views it hands out, as they reach a server or a client (Revealed).
// Holds sees a view the moment the service moves to it, which the
// restart rule needs; Revealed sees what the service told, which a
// service whose replies disagree with its state gets wrong. A harness
// that cannot read the service's state may give Revealed alone: every
// rule but the restart rule is then checked on what was told.
type ViewRules struct {
	// Names names a server in a failure (nil: "server N").
	Names func(server int) string

	views  map[uint64]PBView // every view seen, by number
	latest uint64            // the highest view number seen
	acks   map[viewAck]bool  // the pings the service received
	inc    map[int]uint64    // each server's incarnation, as it last pinged
	// entered holds, for each server of the latest view, the view that
	// brought it into its present stay and its incarnation then.
	entered map[int]viewEntry
	// first is the primary of view 1 and its incarnation then.
	first     int
	firstInc  uint64
	firstSeen bool
}

// viewAck is a ping of viewnum from server.
type viewAck struct {
	viewnum uint64
	server  int
}

// viewEntry is when a server joined a run of views: view viewnum brought
// it in while it pinged with incarnation inc.
type viewEntry struct {
	viewnum, inc uint64
}

// NewViewRules returns the checker of one incarnation of a view service,
// at view 0.
func NewViewRules() *ViewRules {
	return &ViewRules{views: map[uint64]PBView{}, acks: map[viewAck]bool{}, inc: map[int]uint64{}, entered: map[int]viewEntry{}}
}

// Pinged records that a ping from server reached the service, carrying the
// view number viewnum and the server's incarnation.
func (r *ViewRules) Pinged(server int, viewnum, incarnation uint64) {
	r.acks[viewAck{viewnum, server}] = true
	r.inc[server] = incarnation
}

// Holds checks the view the service holds, read from its state once one of
// its events took effect.
func (r *ViewRules) Holds(v PBView) error { return r.see(v, true, "holds") }

// Revealed checks a view the service handed out (in a reply to a ping or a
// query), as it reached a server or a client.
func (r *ViewRules) Revealed(v PBView) error { return r.see(v, false, "handed out") }

// see checks v against the views seen, and, if it is new, moves to it.
// exact says the service is seen at the moment it moved to v.
func (r *ViewRules) see(v PBView, exact bool, how string) error {
	if v.Viewnum == 0 {
		if v.Primary != NoServer || v.Backup != NoServer {
			return fmt.Errorf("the view service %s view 0 as %s: view 0 names nobody", how, r.show(v))
		}
		return nil
	}
	if old, ok := r.views[v.Viewnum]; ok {
		if old != v {
			return fmt.Errorf("the view service %s view %d as %s, which was %s before: one view number, one primary and one backup", how, v.Viewnum, r.show(v), r.show(old))
		}
		return nil
	}
	if err := r.next(v, exact, how); err != nil {
		return err
	}
	r.move(v)
	return nil
}

// next checks the rules of a new view v, which follows view r.latest.
func (r *ViewRules) next(v PBView, exact bool, how string) error {
	if v.Viewnum != r.latest+1 {
		return fmt.Errorf("the view service %s view %d after view %d: views go up one at a time, each acknowledged by its primary before the next", how, v.Viewnum, r.latest)
	}
	if v.Primary == NoServer {
		return fmt.Errorf("the view service %s view %d as %s: a view has a primary", how, v.Viewnum, r.show(v))
	}
	if v.Primary == v.Backup {
		return fmt.Errorf("the view service %s view %d as %s: one server cannot be both", how, v.Viewnum, r.show(v))
	}
	if v.Viewnum == 1 {
		return nil
	}
	prev := r.views[r.latest]
	if !r.acks[viewAck{prev.Viewnum, prev.Primary}] {
		return fmt.Errorf("the view service %s view %d before %s, the primary of view %d, acknowledged view %d (a ping carrying %d): it must not move on until the primary knows the view it serves in",
			how, v.Viewnum, r.name(prev.Primary), prev.Viewnum, prev.Viewnum, prev.Viewnum)
	}
	if v.Primary != prev.Primary && v.Primary != prev.Backup {
		return fmt.Errorf("the view service %s view %d as %s, whose primary was neither primary nor backup of view %d (%s): it never held the state",
			how, v.Viewnum, r.show(v), prev.Viewnum, r.show(prev))
	}
	if e, ok := r.entered[v.Primary]; exact && ok && r.inc[v.Primary] != e.inc {
		return fmt.Errorf("the view service %s view %d as %s, though %s restarted (pinged with a new incarnation) after view %d brought it in: a restarted server lost the state and is dead to its views",
			how, v.Viewnum, r.show(v), r.name(v.Primary), e.viewnum)
	}
	return nil
}

// move makes v the latest view, carrying over when each of its servers
// joined the views.
func (r *ViewRules) move(v PBView) {
	prev := r.views[r.latest]
	entered := map[int]viewEntry{}
	for _, s := range []int{v.Primary, v.Backup} {
		if s == NoServer {
			continue
		}
		if e, ok := r.entered[s]; ok && r.latest > 0 && (s == prev.Primary || s == prev.Backup) {
			entered[s] = e
		} else {
			entered[s] = viewEntry{viewnum: v.Viewnum, inc: r.inc[s]}
		}
	}
	r.entered = entered
	if v.Viewnum == 1 {
		r.first, r.firstInc, r.firstSeen = v.Primary, r.inc[v.Primary], true
	}
	r.views[v.Viewnum] = v
	r.latest = v.Viewnum
}

// First is the primary of view 1 and the incarnation it pinged with when
// the service moved to view 1: the server incarnation that started the
// service's state. ok is false until view 1 is seen.
func (r *ViewRules) First() (server int, incarnation uint64, ok bool) {
	return r.first, r.firstInc, r.firstSeen
}

// show writes a view as "(primary s1, backup s2)".
func (r *ViewRules) show(v PBView) string {
	return fmt.Sprintf("(primary %s, backup %s)", r.name(v.Primary), r.name(v.Backup))
}

// name names server s in a failure.
func (r *ViewRules) name(s int) string { return pbServerName(r.Names, s) }

// pbServerName names server s with names, "none" for NoServer.
func pbServerName(names func(int) string, s int) string {
	switch {
	case s == NoServer:
		return "none"
	case names != nil:
		return names(s)
	}
	return fmt.Sprintf("server %d", s)
}
